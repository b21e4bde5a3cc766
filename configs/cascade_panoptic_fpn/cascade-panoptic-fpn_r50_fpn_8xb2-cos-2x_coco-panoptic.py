# 2x schedule (24 epochs, Table 3).
_base_ = [
    '../_base_/models/cascade-panoptic-fpn_r50_fpn.py',
    '../_base_/datasets/coco_panoptic.py',
    '../_base_/schedules/cosine_24e.py',
    '../_base_/default_runtime.py',
]
custom_hooks = [dict(type='EpochSeedHook')]
