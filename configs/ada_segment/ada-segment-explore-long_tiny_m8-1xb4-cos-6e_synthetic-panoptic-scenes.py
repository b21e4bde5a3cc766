# The scenes exploration (m = 8, T = 12) with the two-horizon population
# (issue 23, configs/ada_segment/README.md "The reward audit"): members 5-8
# keep their window's weights and model for 3 intervals (windows 1-3, 4-6,
# 7-9, 10-12) and are rewarded among themselves at each window's end; 1-4
# are the paper's one-interval members. Not tuned: K = 3 is the audit's
# horizon (c), k = m / 2 leaves 4 members in each group.
#   bash tools/dist_explore.sh <this config> 2
# Its controller drives the scenes transfer config
# (ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic-scenes.py) with
#   --cfg-options custom_hooks.1.weighting.controller=work_dirs/<this config's name>/controller.pth  # noqa: E501
_base_ = './ada-segment-explore_tiny_m8-1xb4-cos-6e_synthetic-panoptic-scenes.py'
train_cfg = dict(long_horizon=dict(members=4, intervals=3))
