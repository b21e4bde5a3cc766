# Example: your own panoptic dataset in COCO panoptic format.
#
#   data/my_dataset/
#     train/*.jpg  val/*.jpg
#     annotations/panoptic_train.json  annotations/panoptic_train/*.png
#     annotations/panoptic_val.json    annotations/panoptic_val/*.png
#
# Category ids may be anything and the JSON may list categories in any
# order: labels follow the class names. The metainfo is optional (classes
# are read from each JSON's categories when omitted); give it to use a
# subset or a fixed order (categories left out become void). The evaluators
# read the files of their dataset.
#
# The config that puts a model on this dataset sets the heads' class counts
# (mmada's tools check them and name the key to fix), e.g. for 2 thing and
# 2 stuff classes: model.roi_head.bbox_head.num_classes=2 (each stage of a
# cascade), model.roi_head.mask_head.num_classes=2 and
# num_things_classes=2 / num_stuff_classes=2 of model.semantic_head and
# model.panoptic_fusion_head.
_base_ = './coco_panoptic.py'

data_root = 'data/my_dataset/'
metainfo = dict(thing_classes=('cat', 'dog'), stuff_classes=('grass', 'sky'))
train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/panoptic_train.json',
        data_prefix=dict(img='train/', seg='annotations/panoptic_train/')))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/panoptic_val.json',
        data_prefix=dict(img='val/', seg='annotations/panoptic_val/')))
test_dataloader = val_dataloader
