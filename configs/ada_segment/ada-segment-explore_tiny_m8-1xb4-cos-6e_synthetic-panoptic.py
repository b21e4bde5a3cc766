# Ada-Segment's exploration at the paper's size, on a 2-core CPU: m = 8
# members, T = 12 checkpoints over the Baseline's whole 6-epoch schedule (600
# iterations): the pseudo epoch + 12 intervals of q = 46 iterations (598 in
# all). Its best model M_best^T (Ada-Segment-A) is therefore a 6-epoch model,
# comparable with the Baseline, and its controller drives
# ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic.py (set
# custom_hooks.1.weighting.controller=work_dirs/<this config>/controller.pth).
# 4,462 member iterations: 21-22 min over 2 processes on a 2-core CPU
# (measured 2026-11-28, README).
#   bash tools/dist_explore.sh <this config> 2
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py'

runner_type = 'ExploreRunner'
train_cfg = dict(
    _delete_=True,
    type='ExploreLoop',
    max_epochs=6,
    population=8,
    checkpoints=12,
    interval=46)
custom_hooks = [dict(type='LossWeightHook')]
