# AM-LFS (the paper's Table 6 row, R-50, COCO) beside Ada-Segment's
# exploration: the same m = 8 population, checkpoints and proxy split, the
# loss weights from AM-LFS's learned Gaussian over log lambda
# (mmada/baselines/am_lfs.py). Its result is the best model.
#   bash tools/dist_explore.sh <this config> 8
_base_ = '../ada_segment/ada-segment-explore_r50_fpn_m8-8xb2-cos-1x_coco-panoptic-proxy.py'
train_cfg = dict(strategy='am-lfs')
