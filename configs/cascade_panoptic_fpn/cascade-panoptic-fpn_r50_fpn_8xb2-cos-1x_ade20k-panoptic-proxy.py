# ADE20K proxy setting: 2k of the training images as proxy val.
_base_ = [
    '../_base_/models/cascade-panoptic-fpn_r50_fpn_ade20k.py',
    '../_base_/datasets/ade20k_panoptic_proxy.py',
    '../_base_/schedules/cosine_24e.py',
    '../_base_/default_runtime.py',
]
custom_hooks = [dict(type='EpochSeedHook')]
