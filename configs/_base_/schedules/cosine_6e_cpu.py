# The CPU schedule of the tiny configs: 6 epochs, cosine, a 50-iteration
# warm-up; the paper's SGD (lr 0.02, momentum 0.9, weight decay 1e-4) on one
# process with batch 4.
_base_ = './cosine_12e.py'
train_cfg = dict(max_epochs=6, val_interval=6)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=50),
    dict(
        type='CosineAnnealingLR',
        begin=0,
        by_epoch=True,
        convert_to_iter_based=True,
        eta_min=0.0)
]
