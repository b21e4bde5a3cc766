# ADE20K panoptic (100 things, 50 stuff), as converted by mmdet's
# tools/dataset_converters/ade20k2coco.py (see the README for the steps).
# mmdet's base only defines val/test; the train dataloader is added here.
# Classes are read from the converted JSON (things first, the names of
# mmdet's ADE20KPanopticDataset.METAINFO).
_base_ = 'mmdet::_base_/datasets/ade20k_panoptic.py'

panoptic_data = dict(
    data_root='data/ADEChallengeData2016/',
    train=dict(
        ann_file='ade20k_panoptic_train.json',
        img='images/training/',
        seg='ade20k_panoptic_train/'),
    val=dict(
        ann_file='ade20k_panoptic_val.json',
        img='images/validation/',
        seg='ade20k_panoptic_val/'))

unset = '<set by apply_panoptic_data(cfg)>'
dataset_type = 'PanopticDataset'
backend_args = None
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='StrictLoadPanopticAnnotations', backend_args=backend_args),
    dict(type='Resize', scale=(2560, 640), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(2560, 640), keep_ratio=True),
    dict(type='StrictLoadPanopticAnnotations', backend_args=backend_args),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root='data/ADEChallengeData2016/',
        ann_file=unset,
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    dataset=dict(type=dataset_type, ann_file=unset, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='PanopticMetric', ann_file=unset)
test_evaluator = val_evaluator
