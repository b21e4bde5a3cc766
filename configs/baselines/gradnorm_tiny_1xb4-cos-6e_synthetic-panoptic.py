# GradNorm (Chen et al. 2018; the paper's Table 6 baseline) on the tiny
# synthetic setting: the loss weights learned on the FPN output convs, no
# 1/lambda head lr (Ada-Segment's trick). See mmada/baselines/gradnorm.py.
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py'  # noqa: E501
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook', head_lr_scaling=False,
         weighting=dict(type='GradNormWeighting', shared='neck.fpn_convs',
                        alpha=1.5, optimizer=dict(type='Adam', lr=0.025)))
]
