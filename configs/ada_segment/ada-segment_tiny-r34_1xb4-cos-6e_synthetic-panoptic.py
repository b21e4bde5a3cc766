# Transfer to another backbone (Table 3 at CPU scale): the controller
# explored with the tiny ResNet-18 drives a tiny ResNet-34 training (same
# 10 losses). The 6-epoch transfer config with the ResNet-34 Baseline's
# backbone (a test keeps it equal to that Baseline plus these hooks).
#   python tools/explore.py configs/ada_segment/ada-segment-explore_tiny_m4-1xb4-cos-2e_synthetic-panoptic.py  # noqa: E501
#   python tools/train.py <this config>
_base_ = './ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic.py'

model = dict(backbone=dict(depth=34))
