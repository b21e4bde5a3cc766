# Transfer to a longer schedule (Table 3 at CPU scale): the controller
# explored over 2 epochs (T = 3) drives a 12-epoch training of the tiny
# network: epoch 1 is the pseudo interval, epochs 2-12 use Eq. 7 (E = 11).
# The 12-epoch Baseline plus the hooks of
# ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic.py, unchanged (mmengine
# cannot merge two bases that share keys; a test keeps them equal).
#   python tools/explore.py configs/ada_segment/ada-segment-explore_tiny_m4-1xb4-cos-2e_synthetic-panoptic.py  # noqa: E501
#   python tools/train.py <this config>
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-12e_synthetic-panoptic.py'  # noqa: E501

controller = ('work_dirs/ada-segment-explore_tiny_m4-1xb4-cos-2e_'
              'synthetic-panoptic/controller.pth')
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook',
         weighting=dict(type='AdaSegmentWeighting',
                        controller=controller,
                        mode='comb-dy')),
]
