# COCO panoptic, Ada-Segment's proxy setting: train on the proxy train split
# of train2017 (~108k images), validate on the 10k proxy val images (same
# image and PNG folders), test on the real val2017. Make the split with
#   python tools/misc/make_proxy_split.py \
#       data/coco/annotations/panoptic_train2017.json --preset coco
_base_ = './coco_panoptic.py'

panoptic_data = dict(
    train=dict(
        ann_file='annotations/panoptic_proxy_train2017.json',
        img='train2017/',
        seg='annotations/panoptic_train2017/'),
    val=dict(
        ann_file='annotations/panoptic_proxy_val2017.json',
        img='train2017/',
        seg='annotations/panoptic_train2017/'),
    test=dict(
        ann_file='annotations/panoptic_val2017.json',
        img='val2017/',
        seg='annotations/panoptic_val2017/'))
