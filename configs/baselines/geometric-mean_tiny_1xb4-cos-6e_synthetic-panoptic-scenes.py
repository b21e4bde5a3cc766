# On the scenes testbed: the geometric mean of the losses (torchjd's
# GeometricMean), whose gradient is that of the sum of log-losses (lambda_i ~
# 1/L_i, the balance IMTL-L converges to), rescaled to the Baseline's sum
# (10).
#   python tools/train.py <this config>
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic-scenes.py'  # noqa: E501

custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook',
         head_lr_scaling=False,
         weighting=dict(type='ScalarizerWeighting',
                        scalarizer=dict(type='GeometricMean'),
                        scale='num_losses'))
]
