# Panoptic FPN with every loss weight 1 (Table 4, dagger), cosine 1x.
_base_ = [
    '../_base_/models/panoptic-fpn_r50_fpn.py',
    '../_base_/datasets/coco_panoptic.py',
    '../_base_/schedules/cosine_12e.py',
    '../_base_/default_runtime.py',
]
custom_hooks = [dict(type='EpochSeedHook')]
