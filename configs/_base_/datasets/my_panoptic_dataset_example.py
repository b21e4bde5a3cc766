# Example: your own panoptic dataset in COCO panoptic format. These lines are
# all you write; the dataloaders, the evaluators and every head's class
# counts follow from them (mmada.datasets.apply_panoptic_data).
#
#   data/my_dataset/
#     train/*.jpg  val/*.jpg
#     annotations/panoptic_train.json  annotations/panoptic_train/*.png
#     annotations/panoptic_val.json    annotations/panoptic_val/*.png
#
# Category ids may be anything and the JSON may list categories in any
# order: labels follow the class names. thing_classes/stuff_classes are
# optional (read from the train JSON's categories when omitted); give them
# to use a subset or a fixed order (categories left out become void).
_base_ = './coco_panoptic.py'

panoptic_data = dict(
    _delete_=True,
    data_root='data/my_dataset/',
    thing_classes=('cat', 'dog'),
    stuff_classes=('grass', 'sky'),
    train=dict(
        ann_file='annotations/panoptic_train.json',
        img='train/',
        seg='annotations/panoptic_train/'),
    val=dict(
        ann_file='annotations/panoptic_val.json',
        img='val/',
        seg='annotations/panoptic_val/'))
