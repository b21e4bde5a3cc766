# Fixed loss weights applied as Ada-Segment applies lambda (StaticWeighting
# through LossWeightHook: the weighted losses, the heads' gradients at
# 1/lambda) on the scenes testbed; the points of Baseline-G's grid-hook and
# Baseline-BOHB set `loss_weights` (one per loss, in the order of the model
# base's loss_weighting.losses: s0, s1, s2 x cls, bbox, mask, then loss_seg),
# e.g. --cfg-options "custom_hooks.1.weighting.loss_weights=[2,2,2,2,2,2,2,2,2,0.5]"  # noqa: E501
# All 1 (as here) is the Baseline, bit for bit.
#   python tools/train.py <this config>
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic-scenes.py'  # noqa: E501

custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook',
         weighting=dict(type='StaticWeighting', loss_weights=[1.0] * 10))
]
