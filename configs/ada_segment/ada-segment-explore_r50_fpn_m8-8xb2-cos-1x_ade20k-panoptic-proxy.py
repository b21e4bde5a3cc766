# Ada-Segment's exploration on ADE20K: m = 8, the 24-epoch 1x schedule on
# the proxy train split (2k training images as proxy val).
#   tools/dist_explore.sh <this config> 8
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_r50_fpn_8xb2-cos-1x_ade20k-panoptic-proxy.py'
runner_type = 'ExploreRunner'
train_cfg = dict(
    _delete_=True, type='ExploreLoop', max_epochs=12, population=8)
custom_hooks = [dict(type='LossWeightHook')]
optim_wrapper = dict(optimizer=dict(lr=0.02 / 8))
