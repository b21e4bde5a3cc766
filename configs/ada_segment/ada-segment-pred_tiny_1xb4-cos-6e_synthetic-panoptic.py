# Table 2's 'pred' transfer mode (see AdaSegmentWeighting) instead of comb-dy.
_base_ = './ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic.py'
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook',
         weighting=dict(type='AdaSegmentWeighting',
                        controller={{_base_.controller}},
                        mode='pred')),
]
