# The paper's network with ADE20K panoptic's 100 thing and 50 stuff classes.
_base_ = './cascade-panoptic-fpn_r50_fpn.py'

num_things_classes = 100
num_stuff_classes = 50
model = dict(
    roi_head=dict(
        # mmengine replaces lists instead of merging them: the base's three
        # cascade stages with 100 classes
        bbox_head=[
            dict(stage, num_classes=num_things_classes)
            for stage in _base_.model.roi_head.bbox_head
        ],
        mask_head=dict(num_classes=num_things_classes)),
    semantic_head=dict(
        num_things_classes=num_things_classes,
        num_stuff_classes=num_stuff_classes),
    panoptic_fusion_head=dict(
        num_things_classes=num_things_classes,
        num_stuff_classes=num_stuff_classes))
