# Panoptic FPN at CPU size: the narrow ResNet-18 / 32-channel FPN of
# cascade-panoptic-fpn_tiny.py with Mask R-CNN's single RoI stage; the built-in
# synthetic dataset's 8 thing and 5 stuff classes.
_base_ = './panoptic-fpn_r50_fpn.py'

channels = 32
model = dict(
    backbone=dict(
        depth=18,
        base_channels=16,
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=channels),
    rpn_head=dict(
        in_channels=channels,
        feat_channels=channels,
        anchor_generator=dict(scales=[4])),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=channels),
        bbox_head=dict(
            in_channels=channels, fc_out_channels=128, num_classes=8),
        mask_roi_extractor=dict(out_channels=channels),
        mask_head=dict(
            num_convs=2,
            in_channels=channels,
            conv_out_channels=channels,
            num_classes=8)),
    semantic_head=dict(
        num_things_classes=8,
        num_stuff_classes=5,
        in_channels=channels,
        inner_channels=channels,
        norm_cfg=dict(type='GN', num_groups=8, requires_grad=True)),
    panoptic_fusion_head=dict(num_things_classes=8, num_stuff_classes=5),
    train_cfg=dict(
        rpn=dict(sampler=dict(num=128)),
        rpn_proposal=dict(nms_pre=500, max_per_img=300),
        rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(
        rpn=dict(nms_pre=500, max_per_img=100),
        rcnn=dict(score_thr=0.1, max_per_img=50),
        panoptic=dict(stuff_area_limit=64)))
