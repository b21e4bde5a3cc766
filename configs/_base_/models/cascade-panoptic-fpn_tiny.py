# A small version of the paper's network that trains on a 2-core CPU: a narrow
# ResNet-18 (16 base channels), a 32-channel FPN, small RoI heads. Same parts
# and the same 10 losses as cascade-panoptic-fpn_r50_fpn.py. Its heads have
# the built-in synthetic dataset's 8 thing and 5 stuff classes.
_base_ = './cascade-panoptic-fpn_r50_fpn.py'

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
        # objects are 6-45 px on ~128 px images: anchors of 16 px at P2
        anchor_generator=dict(scales=[4])),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=channels),
        # mmengine replaces lists instead of merging them: the three stages
        # of mmdet's cascade config with 32 input and 128 fc channels
        bbox_head=[
            dict(
                type='Shared2FCBBoxHead',
                in_channels=channels,
                fc_out_channels=128,
                roi_feat_size=7,
                num_classes=8,
                bbox_coder=dict(
                    type='DeltaXYWHBBoxCoder',
                    target_means=[0., 0., 0., 0.],
                    target_stds=stds),
                reg_class_agnostic=True,
                loss_cls=dict(
                    type='CrossEntropyLoss', use_sigmoid=False,
                    loss_weight=1.0),
                loss_bbox=dict(type='SmoothL1Loss', beta=1.0,
                               loss_weight=1.0))
            for stds in ([0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1],
                         [0.033, 0.033, 0.067, 0.067])
        ],
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
        rcnn=[
            dict(
                assigner=dict(
                    type='MaxIoUAssigner',
                    pos_iou_thr=iou,
                    neg_iou_thr=iou,
                    min_pos_iou=iou,
                    match_low_quality=False,
                    ignore_iof_thr=-1),
                sampler=dict(
                    type='RandomSampler',
                    num=128,
                    pos_fraction=0.25,
                    neg_pos_ub=-1,
                    add_gt_as_proposals=True),
                mask_size=28,
                pos_weight=-1,
                debug=False) for iou in (0.5, 0.6, 0.7)
        ]),
    test_cfg=dict(
        rpn=dict(nms_pre=500, max_per_img=100),
        # COCO's thresholds scaled to ~128x160 images: stuff_area_limit 4096
        # px is ~0.4% of a COCO image, ~64 px here; a small model trained for
        # minutes is far less confident than a COCO model: score_thr 0.6 ->
        # 0.1 (on the proxy val split after 600 iterations, PQ_th 0.2 at
        # 0.4, 3.9 at 0.2, 7.3 at 0.1, 6.8 at 0.05)
        rcnn=dict(score_thr=0.1, max_per_img=50),
        panoptic=dict(stuff_area_limit=64)))
