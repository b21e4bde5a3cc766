# Dynamic Weight Average (Liu, Johns & Davison, CVPR 2019; torchjd's
# implementation) on the tiny synthetic setting: lambda = K softmax(r / T)
# with r_i the ratio of loss i's means over the two previous epochs (all 1
# in epochs 1-2), T = 2; no 1/lambda head lr (Ada-Segment's trick). See
# mmada/baselines/scalarizer.py.
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py'  # noqa: E501
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook', head_lr_scaling=False,
         weighting=dict(type='ScalarizerWeighting',
                        scalarizer=dict(type='DWA', temperature=2.0)))
]
