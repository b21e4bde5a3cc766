# The built-in synthetic panoptic dataset (mmada/datasets/synthetic.py):
# 8 thing and 5 stuff classes, ~128 px images; made under data_root on first
# use (~5 s on one core) by the dataset itself (``synthetic``: the options of
# mmada.datasets.SyntheticOptions). Proxy setting as for COCO: train on the
# proxy train split (400 of the 480 train images), validate on the 80 proxy
# val images, test on the separate val split (120 images).
# CPU settings: small images, batch 4, no worker processes (deterministic).
_base_ = './coco_panoptic.py'

data_root = 'data/synthetic_panoptic/'
# the split sizes and seed, written out; the image options (sizes, things,
# difficulty) are the variant's defaults (mmada.datasets.SyntheticOptions)
synthetic = dict(num_train=480, num_val=120, num_proxy_val=80, seed=0)

backend_args = None
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='StrictLoadPanopticAnnotations', backend_args=backend_args),
    dict(type='Resize', scale=(160, 128), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(160, 128), keep_ratio=True),
    dict(type='StrictLoadPanopticAnnotations', backend_args=backend_args),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/panoptic_proxy_train.json',
        data_prefix=dict(img='train/', seg='annotations/panoptic_train/'),
        synthetic=synthetic,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/panoptic_proxy_val.json',
        data_prefix=dict(img='train/', seg='annotations/panoptic_train/'),
        synthetic=synthetic,
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/panoptic_val.json',
        data_prefix=dict(img='val/', seg='annotations/panoptic_val/'),
        synthetic=synthetic,
        pipeline=test_pipeline))
