# Table 2's 'pred' transfer mode (see AdaSegmentHook) instead of comb-dy.
_base_ = './ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic.py'
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='AdaSegmentHook', controller={{_base_.controller}}, mode='pred'),
]
