# Baseline-P at the size of Ada-Segment's m = 8, T = 12 exploration (Table 1
# at CPU scale): the same population, checkpoints and 6-epoch schedule, with
# PBT's exploit / explore (x0.8 / x1.2) in place of the controller. Its best
# model is the Baseline-P row (benchmark: --configs pbt=<this config>).
#   bash tools/dist_explore.sh <this config> 2
_base_ = '../ada_segment/ada-segment-explore_tiny_m8-1xb4-cos-6e_synthetic-panoptic.py'
train_cfg = dict(strategy='pbt')
