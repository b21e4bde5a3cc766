# Policy transfer on COCO (Tables 1-3): the paper's network, R-50-FPN, 1x,
# trained on train2017 with the loss weights of the controller the COCO
# exploration saved (policy ensemble, gamma 0.9).
#   tools/dist_train.sh <this config> 8
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_r50_fpn_8xb2-cos-1x_coco-panoptic.py'
controller = ('work_dirs/ada-segment-explore_r50_fpn_m8-8xb2-cos-1x_'
              'coco-panoptic-proxy/controller.pth')
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook',
         weighting=dict(type='AdaSegmentWeighting',
                        controller=controller,
                        mode='comb-dy')),
]
