# On the scenes testbed: uncertainty weighting, as
# uncertainty_tiny_1xb4-cos-6e_synthetic-panoptic.py.
#   python tools/train.py <this config>
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic-scenes.py'  # noqa: E501

custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook',
         head_lr_scaling=False,
         weighting=dict(type='UncertaintyWeighting',
                        optimizer=dict(type='Adam', lr=0.025)))
]
