# Transfer to a larger backbone (Table 3): the controller explored with
# R-50 drives an R-101-FPN training.
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_r101_fpn_8xb2-cos-1x_coco-panoptic.py'
controller = ('work_dirs/ada-segment-explore_r50_fpn_m8-8xb2-cos-1x_'
              'coco-panoptic-proxy/controller.pth')
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook',
         weighting=dict(type='AdaSegmentWeighting',
                        controller=controller,
                        mode='comb-dy')),
]
