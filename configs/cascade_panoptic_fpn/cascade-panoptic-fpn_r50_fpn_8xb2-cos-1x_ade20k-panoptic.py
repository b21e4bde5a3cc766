# ADE20K panoptic (100 things, 50 stuff); 1x on ADE20K = 24 epochs.
_base_ = [
    '../_base_/models/cascade-panoptic-fpn_r50_fpn_ade20k.py',
    '../_base_/datasets/ade20k_panoptic.py',
    '../_base_/schedules/cosine_24e.py',
    '../_base_/default_runtime.py',
]
custom_hooks = [dict(type='EpochSeedHook')]
