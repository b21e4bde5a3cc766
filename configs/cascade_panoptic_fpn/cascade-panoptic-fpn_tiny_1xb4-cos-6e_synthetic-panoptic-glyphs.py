# The Baseline of cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py
# on the second built-in dataset (variant 'glyphs', made on first use in
# data/synthetic_panoptic_glyphs/): same model, schedule and runtime, heads
# with its 6 thing and 4 stuff classes. The target of the transfer
# experiment (Table 3 at CPU scale).
#   python tools/train.py <this config>
_base_ = [
    '../_base_/models/cascade-panoptic-fpn_tiny.py',
    '../_base_/datasets/synthetic_panoptic_glyphs.py',
    '../_base_/schedules/cosine_6e_cpu.py',
    '../_base_/default_runtime.py',
]
num_things_classes = 6
num_stuff_classes = 4
model = dict(
    roi_head=dict(
        # mmengine replaces lists instead of merging them: the tiny model's
        # three stages (read from the base) with 6 classes
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
# as in the first dataset's Baseline
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=1, max_keep_ckpts=2))
custom_hooks = [dict(type='EpochSeedHook')]
randomness = dict(seed=0)
