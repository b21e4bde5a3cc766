# Ada-Segment's exploration as in the paper on COCO: m = 8 members, the
# cosine 1x schedule on the proxy train split (12 epochs = the pseudo epoch
# + T = 11 checkpoints, one epoch apart), rewards from PQ on the 10k proxy
# val images, controller as in "Implementation Details" (sigma 0.2, Adam
# 5e-2, weight decay 5e-4). 8 GPUs: one member each (members are not
# data-parallel here: each trains with 2 images per GPU, lr scaled 1/8).
#   tools/dist_explore.sh <this config> 8
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_r50_fpn_8xb2-cos-1x_coco-panoptic-proxy.py'
runner_type = 'ExploreRunner'
train_cfg = dict(
    _delete_=True, type='ExploreLoop', max_epochs=12, population=8)
custom_hooks = [dict(type='LossWeightHook')]
optim_wrapper = dict(optimizer=dict(lr=0.02 / 8))
