# 24 epochs: 1x on ADE20K, 2x on COCO ("Implementation Details").
_base_ = './cosine_12e.py'
train_cfg = dict(max_epochs=24)
