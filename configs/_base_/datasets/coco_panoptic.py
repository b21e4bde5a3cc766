# COCO panoptic (train2017 / val2017), described by ``panoptic_data``.
#
# Paths live only in ``panoptic_data``: mmada's tools call
# ``mmada.datasets.apply_panoptic_data(cfg)``, which fills the dataloaders,
# the evaluators and the heads' class counts. The dataloaders' ``ann_file``
# below is a placeholder so that running this config without it fails loudly.
#
# Classes are not written out: they are read from the annotation file's
# ``categories`` (COCO's panoptic JSONs list the 80 things then the 53 stuff,
# under exactly the names of mmdet's CocoPanopticDataset.METAINFO, so the
# result is the same), which keeps the labels and the file from ever
# disagreeing. To build a model from this config without the data, set
# ``panoptic_data.thing_classes``/``stuff_classes``.
_base_ = 'mmdet::_base_/datasets/coco_panoptic.py'

panoptic_data = dict(
    data_root='data/coco/',
    train=dict(
        ann_file='annotations/panoptic_train2017.json',
        img='train2017/',
        seg='annotations/panoptic_train2017/'),
    val=dict(
        ann_file='annotations/panoptic_val2017.json',
        img='val2017/',
        seg='annotations/panoptic_val2017/'))

unset = '<set by apply_panoptic_data(cfg)>'
dataset_type = 'PanopticDataset'
backend_args = None
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='StrictLoadPanopticAnnotations', backend_args=backend_args),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='StrictLoadPanopticAnnotations', backend_args=backend_args),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    dataset=dict(type=dataset_type, ann_file=unset, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(type=dataset_type, ann_file=unset, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='PanopticMetric', ann_file=unset)
test_evaluator = val_evaluator
