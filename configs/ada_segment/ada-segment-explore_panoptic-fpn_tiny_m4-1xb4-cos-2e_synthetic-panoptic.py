# Ada-Segment on Panoptic FPN (Table 4: 4 weighted losses), the tiny CPU
# version: the exploration settings of the cascade's tiny exploration.
#   python tools/explore.py <this config>
_base_ = '../panoptic_fpn/panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py'
runner_type = 'ExploreRunner'
train_cfg = dict(
    _delete_=True,
    type='ExploreLoop',
    max_epochs=2,
    population=4,
    checkpoints=3,
    interval=50)
custom_hooks = [dict(type='LossWeightHook')]
