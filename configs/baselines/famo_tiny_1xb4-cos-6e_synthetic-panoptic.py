# FAMO (Liu et al., NeurIPS 2023; torchjd's implementation) on the tiny
# synthetic setting: lambda_i = z_i / L_i / sum_j z_j / L_j with logits
# learned from the loss decrease (updated with the next batch's losses: no
# extra forward pass), scaled to sum to the number of losses as the
# Baseline's (SGD, not the paper's Adam); no 1/lambda head lr (Ada-Segment's
# trick). See mmada/baselines/scalarizer.py.
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py'  # noqa: E501
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook', head_lr_scaling=False,
         weighting=dict(type='ScalarizerWeighting', scale='num_losses',
                        scalarizer=dict(type='FAMO', lr=0.025,
                                        weight_decay=1e-3)))
]
