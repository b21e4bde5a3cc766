# The paper's network (Cascade Mask R-CNN, 3 stages + Panoptic-FPN semantic
# head), ResNet-50-FPN, COCO panoptic, 8 GPUs x 2 images, cosine 1x, every
# loss weight 1: the paper's "Baseline" (Table 1, COCO rows).
_base_ = [
    '../_base_/models/cascade-panoptic-fpn_r50_fpn.py',
    '../_base_/datasets/coco_panoptic.py',
    '../_base_/schedules/cosine_12e.py',
    '../_base_/default_runtime.py',
]
custom_hooks = [dict(type='EpochSeedHook')]
