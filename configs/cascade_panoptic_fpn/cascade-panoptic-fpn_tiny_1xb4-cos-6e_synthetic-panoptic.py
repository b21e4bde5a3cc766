# The paper's network at CPU size on the built-in synthetic dataset (made on
# first use in data/synthetic_panoptic/): 6 epochs of the proxy train split
# (400 images, 100 iterations per epoch at batch 4), all loss weights 1 (the
# paper's Baseline). Train: python tools/train.py <this config>
_base_ = [
    '../_base_/models/cascade-panoptic-fpn_tiny.py',
    '../_base_/datasets/synthetic_panoptic.py',
    '../_base_/schedules/cosine_12e.py',
    '../_base_/default_runtime.py',
]

max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=50),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        begin=0,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True,
        eta_min=0.0)
]
# one image batch of 4 on one CPU process: the paper's lr 0.02 is for 16
optim_wrapper = dict(optimizer=dict(lr=0.02))
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=1, max_keep_ckpts=2))
# every epoch reseeds all RNGs from (seed, epoch): --resume repeats the
# uninterrupted run exactly (with num_workers=0)
custom_hooks = [dict(type='EpochSeedHook')]
randomness = dict(seed=0)
