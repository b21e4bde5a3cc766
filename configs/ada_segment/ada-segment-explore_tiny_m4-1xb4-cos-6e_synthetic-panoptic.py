# Ada-Segment's exploration (Algorithm 1) for the tiny network on the
# built-in dataset: m = 4 members; the 6-epoch schedule is the pseudo epoch +
# T = 5 checkpoints, one epoch (q = 100 iterations) apart.
#   python tools/explore.py <this config>
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py'

runner_type = 'ExploreRunner'
explore = dict(population=4)
custom_hooks = [dict(type='LossWeightHook')]
