# Transfer to a longer schedule (Table 3 at CPU scale): the controller
# explored over 2 epochs (T = 3) drives a 12-epoch training of the tiny
# network: epoch 1 is the pseudo interval, epochs 2-12 use Eq. 7 (E = 11).
# The 6-epoch transfer config with the 12-epoch Baseline's schedule (a test
# keeps it equal to that Baseline plus these hooks).
#   python tools/explore.py configs/ada_segment/ada-segment-explore_tiny_m4-1xb4-cos-2e_synthetic-panoptic.py  # noqa: E501
#   python tools/train.py <this config>
_base_ = './ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic.py'

train_cfg = dict(max_epochs=12, val_interval=12)
