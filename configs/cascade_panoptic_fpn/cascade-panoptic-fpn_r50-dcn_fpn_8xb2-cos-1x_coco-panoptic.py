# "-D": deformable convolution (DCNv2) in stages 3-5 of the backbone
# (mmdet's stages 2-4, res3-res5), as in the paper's network and Table 5.
_base_ = './cascade-panoptic-fpn_r50_fpn_8xb2-cos-1x_coco-panoptic.py'
model = dict(
    backbone=dict(
        dcn=dict(type='DCNv2', deform_groups=1, fallback_on_stride=False),
        stage_with_dcn=(False, True, True, True)))
