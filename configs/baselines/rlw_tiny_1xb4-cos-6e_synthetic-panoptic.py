# Random loss weighting (Lin et al., TMLR 2022; torchjd's Random) on the
# tiny synthetic setting: lambda = softmax(N(0, I)) drawn every iteration,
# scaled to sum to the number of losses as the Baseline's (SGD, not the
# paper's Adam); no 1/lambda head lr (Ada-Segment's trick). See
# mmada/baselines/scalarizer.py.
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py'  # noqa: E501
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook', head_lr_scaling=False,
         weighting=dict(type='ScalarizerWeighting', scale='num_losses',
                        scalarizer=dict(type='Random')))
]
