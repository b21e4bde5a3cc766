# ResNet-101-FPN-D (Table 5's backbone).
_base_ = './cascade-panoptic-fpn_r101_fpn_8xb2-cos-1x_coco-panoptic.py'
model = dict(
    backbone=dict(
        dcn=dict(type='DCNv2', deform_groups=1, fallback_on_stride=False),
        stage_with_dcn=(False, True, True, True)))
