# Ada-Segment on Panoptic FPN (Table 4) at the size of the cascade's m = 8,
# T = 12 exploration: the same members, checkpoints and 6-epoch schedule
# (ada-segment-explore_tiny_m8-1xb4-cos-6e_synthetic-panoptic.py), so that
# its controller and its best model are comparable with the Baseline.
#   bash tools/dist_explore.sh <this config> 2
_base_ = './ada-segment-explore_panoptic-fpn_tiny_m4-1xb4-cos-2e_synthetic-panoptic.py'
train_cfg = dict(max_epochs=6, population=8, checkpoints=12, interval=46)
