# Panoptic FPN (Kirillov et al. 2019): Mask R-CNN + the semantic head + the
# heuristic fusion, the paper's second model (Table 4, 4 weighted losses).
# mmdet's own model (configs/panoptic_fpn) on top of mmdet's Mask R-CNN base,
# with every loss weight 1 (the paper's re-implementation "with all loss
# weights equal to 1", Table 4 dagger); Kirillov's tuned semantic weight 0.5
# is the *_seg-0.5_* variant.
_base_ = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'

model = dict(
    type='PanopticFPN',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32,
        pad_mask=True,
        mask_pad_value=0,
        pad_seg=True,
        seg_pad_value=255),
    # ImageNet-pretrained as in the paper, from a local file (torchvision's
    # ResNet-50 weights; nothing is downloaded). From scratch:
    # --cfg-options model.backbone.init_cfg=None
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='data/pretrained/resnet50-0676ba61.pth')),
    semantic_head=dict(
        type='PanopticFPNHead',
        num_things_classes=80,
        num_stuff_classes=53,
        in_channels=256,
        inner_channels=128,
        start_level=0,
        end_level=4,
        norm_cfg=dict(type='GN', num_groups=32, requires_grad=True),
        conv_cfg=None,
        # Baseline: weight 1 (mmdet's Panoptic FPN uses Kirillov's 0.5).
        loss_seg=dict(
            type='CrossEntropyLoss', ignore_index=255, loss_weight=1.0)),
    panoptic_fusion_head=dict(
        type='HeuristicFusionHead',
        num_things_classes=80,
        num_stuff_classes=53),
    test_cfg=dict(
        rcnn=dict(
            score_thr=0.6,
            nms=dict(type='nms', iou_threshold=0.5, class_agnostic=True),
            max_per_img=100,
            mask_thr_binary=0.5),
        # "areas less than 4096 being ignored" (paper, Inference)
        panoptic=dict(mask_overlap=0.5, stuff_area_limit=4096)))

loss_weighting = dict(
    losses=['loss_cls', 'loss_bbox', 'loss_mask', 'loss_seg'],
    heads={
        'loss_cls': ['roi_head.bbox_head.fc_cls',
                     'roi_head.bbox_head.shared_fcs'],
        'loss_bbox': ['roi_head.bbox_head.fc_reg',
                      'roi_head.bbox_head.shared_fcs'],
        'loss_mask': ['roi_head.mask_head'],
        'loss_seg': ['semantic_head'],
    })
