# Uncertainty weighting (Kendall, Gal & Cipolla 2018) on the tiny synthetic
# setting: lambda_i = exp(-s_i) / 2 with learned log-variances s, no 1/lambda
# head lr (Ada-Segment's trick); torchjd's UW (s from 0) through
# ScalarizerWeighting. See mmada/baselines/uncertainty.py.
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py'  # noqa: E501
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook', head_lr_scaling=False,
         weighting=dict(type='UncertaintyWeighting',
                        optimizer=dict(type='Adam', lr=0.025)))
]
