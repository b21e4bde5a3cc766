# The paper's network (Figure 3): Cascade Mask R-CNN with 3 stages + the
# Panoptic-FPN semantic head + heuristic panoptic fusion, ResNet-50-FPN.
# Composed from mmdet's own parts: its cascade config plus the semantic and
# fusion heads of mmdet's Panoptic FPN config.
_base_ = 'mmdet::_base_/models/cascade-mask-rcnn_r50_fpn.py'

model = dict(
    type='TwoStagePanopticSegmentor',
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
    roi_head=dict(
        # The paper's Baseline weighs its 10 losses equally and "the
        # detection losses are averaged among three cascade stages": every
        # stage's losses enter with 1/3 (mmdet's cascade default is
        # [1, 0.5, 0.25]). A loss weight lambda multiplies these entries.
        stage_loss_weights=[1 / 3, 1 / 3, 1 / 3]),
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

# The paper's 10 weighted losses (RPN losses stay unweighted) and, for the
# 1/lambda head learning-rate scaling, the modules each loss trains on its
# own. Shared2FCBBoxHead's shared fcs serve both loss_cls and loss_bbox: they
# are listed under both and get 1 / mean(lambda_cls, lambda_bbox).
loss_weighting = dict(
    losses=[
        's0.loss_cls', 's0.loss_bbox', 's0.loss_mask',
        's1.loss_cls', 's1.loss_bbox', 's1.loss_mask',
        's2.loss_cls', 's2.loss_bbox', 's2.loss_mask',
        'loss_seg'
    ],
    heads={
        's0.loss_cls': ['roi_head.bbox_head.0.fc_cls',
                        'roi_head.bbox_head.0.shared_fcs'],
        's0.loss_bbox': ['roi_head.bbox_head.0.fc_reg',
                         'roi_head.bbox_head.0.shared_fcs'],
        's0.loss_mask': ['roi_head.mask_head.0'],
        's1.loss_cls': ['roi_head.bbox_head.1.fc_cls',
                        'roi_head.bbox_head.1.shared_fcs'],
        's1.loss_bbox': ['roi_head.bbox_head.1.fc_reg',
                         'roi_head.bbox_head.1.shared_fcs'],
        's1.loss_mask': ['roi_head.mask_head.1'],
        's2.loss_cls': ['roi_head.bbox_head.2.fc_cls',
                        'roi_head.bbox_head.2.shared_fcs'],
        's2.loss_bbox': ['roi_head.bbox_head.2.fc_reg',
                         'roi_head.bbox_head.2.shared_fcs'],
        's2.loss_mask': ['roi_head.mask_head.2'],
        'loss_seg': ['semantic_head'],
    })
