# ResNet-101-FPN (Table 3).
_base_ = './cascade-panoptic-fpn_r50_fpn_8xb2-cos-1x_coco-panoptic.py'
model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='data/pretrained/resnet101-63fe2227.pth')))
