# Policy transfer (Eq. 7) on the scenes testbed: the scenes Baseline with the
# hooks of ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic.py (a test keeps
# them equal), driven by the controller of the scenes exploration.
#   bash tools/dist_explore.sh configs/ada_segment/ada-segment-explore_tiny_m8-1xb4-cos-6e_synthetic-panoptic-scenes.py 2  # noqa: E501
#   python tools/train.py <this config>
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic-scenes.py'  # noqa: E501

controller = ('work_dirs/ada-segment-explore_tiny_m8-1xb4-cos-6e_'
              'synthetic-panoptic-scenes/controller.pth')
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook',
         weighting=dict(type='AdaSegmentWeighting',
                        controller=controller,
                        mode='comb-dy')),
]
