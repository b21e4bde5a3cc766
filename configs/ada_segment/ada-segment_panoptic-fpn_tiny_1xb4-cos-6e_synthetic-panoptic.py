# Panoptic FPN trained 6 epochs with the controller of its exploration.
_base_ = '../panoptic_fpn/panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py'
controller = ('work_dirs/ada-segment-explore_panoptic-fpn_tiny_m4-1xb4-cos-'
              '2e_synthetic-panoptic/controller.pth')
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook',
         weighting=dict(type='AdaSegmentWeighting',
                        controller=controller,
                        mode='comb-dy')),
]
