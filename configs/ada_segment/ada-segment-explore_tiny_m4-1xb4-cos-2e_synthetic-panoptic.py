# Ada-Segment's exploration (Algorithm 1) for the tiny network on the
# built-in dataset, sized for a 2-core CPU: m = 4 members over a 2-epoch
# cosine schedule (200 iterations) cut into the pseudo epoch + T = 3
# checkpoints, q = 50 iterations apart; rewards from PQ on the 80 proxy val
# images. The controller (work_dirs/<this config>/controller.pth) then drives
# a 6-epoch training: ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic.py.
#   python tools/explore.py <this config>
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py'

runner_type = 'ExploreRunner'
# The controller and reward are the library's defaults (the paper's Adam lr
# 5e-2 with param_scale 0.1, residual output, Eq. 2 in log space, beta1 0.7,
# centred rewards: configs/ada_segment/README.md).
train_cfg = dict(
    _delete_=True,
    type='ExploreLoop',
    max_epochs=2,
    population=4,
    checkpoints=3,
    interval=50)
custom_hooks = [dict(type='LossWeightHook')]
