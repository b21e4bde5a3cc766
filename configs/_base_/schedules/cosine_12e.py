# "Implementation Details": SGD, lr 0.02 (8 GPUs x 2 images), weight decay
# 1e-4, cosine decay. 12 epochs = 1x on COCO (on ADE20K 1x is 24 epochs:
# cosine_24e.py, which is also COCO's 2x). A 500-iteration linear warm-up as
# in mmdet's schedules (the paper does not say). The cosine runs to the end
# of train_cfg.max_epochs, so a child config changes only max_epochs.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=500),
    # end defaults to max_epochs and T_max to end - begin
    dict(
        type='CosineAnnealingLR',
        begin=0,
        by_epoch=True,
        convert_to_iter_based=True,
        eta_min=0.0)
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4))
auto_scale_lr = dict(enable=False, base_batch_size=16)
