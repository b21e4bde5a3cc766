# On the scenes testbed: uncertainty weighting (torchjd's UW) with lambda
# rescaled to the Baseline's sum (10) at every iteration: its balance without
# its larger step.
#   python tools/train.py <this config>
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic-scenes.py'  # noqa: E501

custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook',
         head_lr_scaling=False,
         weighting=dict(type='ScalarizerWeighting',
                        scalarizer=dict(type='UW'),
                        optimizer=dict(type='Adam', lr=0.025),
                        scale='num_losses'))
]
