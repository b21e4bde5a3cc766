# Transfer to another backbone (Table 3 at CPU scale): the controller
# explored with the tiny ResNet-18 drives a tiny ResNet-34 training (same
# 10 losses). The ResNet-34 Baseline plus the hooks of
# ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic.py, unchanged (mmengine
# cannot merge two bases that share keys; a test keeps them equal).
#   python tools/explore.py configs/ada_segment/ada-segment-explore_tiny_m4-1xb4-cos-2e_synthetic-panoptic.py  # noqa: E501
#   python tools/train.py <this config>
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny-r34_1xb4-cos-6e_synthetic-panoptic.py'  # noqa: E501

controller = ('work_dirs/ada-segment-explore_tiny_m4-1xb4-cos-2e_'
              'synthetic-panoptic/controller.pth')
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook',
         weighting=dict(type='AdaSegmentWeighting',
                        controller=controller,
                        mode='comb-dy')),
]
