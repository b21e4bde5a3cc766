# Policy transfer (Eq. 7) of the equalised-start exploration on the scenes
# testbed (the equalisation travels in the controller file's settings).
#   bash tools/dist_explore.sh configs/ada_segment/ada-segment-explore-equalised_tiny_m8-1xb4-cos-6e_synthetic-panoptic-scenes.py 2  # noqa: E501
#   python tools/train.py <this config>
_base_ = './ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic-scenes.py'
controller = ('work_dirs/ada-segment-explore-equalised_tiny_m8-1xb4-cos-6e_'
              'synthetic-panoptic-scenes/controller.pth')
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='LossWeightHook',
         weighting=dict(type='AdaSegmentWeighting',
                        controller=controller,
                        mode='comb-dy')),
]
