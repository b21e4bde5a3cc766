# AM-LFS (Li et al., ICCV 2019; the paper's Table 6) at the size of
# Ada-Segment's m = 8, T = 12 exploration on the first built-in dataset: the
# same population, checkpoints and 6-epoch schedule, the loss weights drawn
# from a Gaussian over log lambda whose mean learns from normalised PQ
# (mmada/baselines/am_lfs.py); no state input. Its result is the best model
# (work_dirs/<this config>/best_model.pth), as Ada-Segment-A's.
#   bash tools/dist_explore.sh <this config> 2
_base_ = '../ada_segment/ada-segment-explore_tiny_m8-1xb4-cos-6e_synthetic-panoptic.py'
train_cfg = dict(strategy='am-lfs')  # strategy_cfg=dict(lr=0.05, betas=(0.5, 0.999))
