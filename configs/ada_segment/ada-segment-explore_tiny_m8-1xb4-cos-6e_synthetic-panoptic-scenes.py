# Ada-Segment's exploration at the paper's size (m = 8, T = 12 over the whole
# 6-epoch schedule) on the scenes testbed: the exploration of
# ada-segment-explore_tiny_m8-1xb4-cos-6e_synthetic-panoptic.py (a test keeps
# them equal) on the scenes Baseline. Its controller drives
# ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic-scenes.py.
#   bash tools/dist_explore.sh <this config> 2
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic-scenes.py'  # noqa: E501

runner_type = 'ExploreRunner'
train_cfg = dict(_delete_=True,
                 type='ExploreLoop',
                 max_epochs=6,
                 population=8,
                 checkpoints=12,
                 interval=46)
custom_hooks = [dict(type='LossWeightHook')]
