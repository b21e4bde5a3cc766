# AM-LFS on the scenes testbed: the scenes exploration (m = 8, T = 12) with
# strategy 'am-lfs' (see am-lfs_tiny_m8-1xb4-cos-6e_synthetic-panoptic.py).
#   bash tools/dist_explore.sh <this config> 2
_base_ = '../ada_segment/ada-segment-explore_tiny_m8-1xb4-cos-6e_synthetic-panoptic-scenes.py'
train_cfg = dict(strategy='am-lfs')
