# 24 epochs: 1x on ADE20K, 2x on COCO ("Implementation Details").
_base_ = './cosine_12e.py'
max_epochs = 24
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=500),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        begin=0,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True,
        eta_min=0.0)
]
