# The paper's controller and rewards read literally (Eqs. 1-6 as written: pi
# sees the raw losses, so its untrained policy equalises the loss scales; a
# linear policy output in the paper's parameter units, Eq. 5 not centred, no
# std floor) on the demo's exploration; mmada's defaults differ (README,
# "Controller defaults"). With the paper's Adam lr the linear output goes
# negative within a few checkpoints and the controller stops learning.
#   python tools/explore.py <this config>
_base_ = './ada-segment-explore_tiny_m4-1xb4-cos-2e_synthetic-panoptic.py'
train_cfg = dict(
    controller=dict(  # PAPER_CONTROLLER
        state='raw', output='linear', param_scale=1.0, sampling='linear',
        betas=(0.9, 0.999)),
    reward_cfg=dict(baseline='none', std_floor=0.0))  # PAPER_REWARD
