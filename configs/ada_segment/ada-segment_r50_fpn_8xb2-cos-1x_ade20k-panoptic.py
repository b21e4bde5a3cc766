# Policy transfer on ADE20K, from the ADE20K exploration (Table 3); point
# `controller` at the COCO one for the cross-dataset rows.
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_r50_fpn_8xb2-cos-1x_ade20k-panoptic.py'
controller = ('work_dirs/ada-segment-explore_r50_fpn_m8-8xb2-cos-1x_'
              'ade20k-panoptic-proxy/controller.pth')
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook',
         weighting=dict(type='AdaSegmentWeighting',
                        controller=controller,
                        mode='comb-dy')),
]
