# IMTL-L (Liu et al., ICLR 2021; torchjd's IMTLL) on the tiny synthetic
# setting: lambda_i = exp(s_i), objective sum_i exp(s_i) L_i - s_i, the
# scales s learned by their own Adam (lr 0.025, as uncertainty
# weighting's log-variances); no 1/lambda head lr (Ada-Segment's trick). See
# mmada/baselines/scalarizer.py.
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py'  # noqa: E501
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook', head_lr_scaling=False,
         weighting=dict(type='ScalarizerWeighting',
                        scalarizer=dict(type='IMTLL'),
                        optimizer=dict(type='Adam', lr=0.025)))
]
