# ADE20K panoptic, Ada-Segment's proxy setting: 2k of the training images as
# proxy val, the rest as proxy train; test on the real validation split. The
# split (seed 0) is made on first use when its files are missing, or with
#   python tools/misc/make_proxy_split.py \
#       data/ADEChallengeData2016/ade20k_panoptic_train.json --preset ade20k
_base_ = './ade20k_panoptic.py'

proxy_split = dict(source='ade20k_panoptic_train.json', num_val=2000, seed=0)
train_dataloader = dict(
    dataset=dict(
        ann_file='ade20k_panoptic_proxy_train.json', proxy_split=proxy_split))
val_dataloader = dict(
    dataset=dict(
        ann_file='ade20k_panoptic_proxy_val.json',
        data_prefix=dict(img='images/training/', seg='ade20k_panoptic_train/'),
        proxy_split=proxy_split))
test_dataloader = dict(
    dataset=dict(
        ann_file='ade20k_panoptic_val.json',
        data_prefix=dict(
            img='images/validation/', seg='ade20k_panoptic_val/')))
