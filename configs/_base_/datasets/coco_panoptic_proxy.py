# COCO panoptic, Ada-Segment's proxy setting: train on the proxy train split
# of train2017 (~108k images), validate on the 10k proxy val images (same
# image and PNG folders), test on the real val2017. The split (seed 0) is
# made on first use when its files are missing, or beforehand with
#   python tools/misc/make_proxy_split.py \
#       data/coco/annotations/panoptic_train2017.json --preset coco
_base_ = './coco_panoptic.py'

proxy_split = dict(
    source='annotations/panoptic_train2017.json', num_val=10000, seed=0)
train_dataloader = dict(
    dataset=dict(
        ann_file='annotations/panoptic_proxy_train2017.json',
        proxy_split=proxy_split))
val_dataloader = dict(
    dataset=dict(
        ann_file='annotations/panoptic_proxy_val2017.json',
        data_prefix=dict(
            img='train2017/', seg='annotations/panoptic_train2017/'),
        proxy_split=proxy_split))
test_dataloader = dict(
    dataset=dict(
        ann_file='annotations/panoptic_val2017.json',
        data_prefix=dict(img='val2017/', seg='annotations/panoptic_val2017/')))
