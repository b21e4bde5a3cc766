# ADE20K panoptic, Ada-Segment's proxy setting: 2k of the training images as
# proxy val, the rest as proxy train; test on the real validation split.
# Make the split with
#   python tools/misc/make_proxy_split.py \
#       data/ADEChallengeData2016/ade20k_panoptic_train.json --preset ade20k
_base_ = './ade20k_panoptic.py'

panoptic_data = dict(
    train=dict(
        ann_file='ade20k_panoptic_proxy_train.json',
        img='images/training/',
        seg='ade20k_panoptic_train/'),
    val=dict(
        ann_file='ade20k_panoptic_proxy_val.json',
        img='images/training/',
        seg='ade20k_panoptic_train/'),
    test=dict(
        ann_file='ade20k_panoptic_val.json',
        img='images/validation/',
        seg='ade20k_panoptic_val/'))
