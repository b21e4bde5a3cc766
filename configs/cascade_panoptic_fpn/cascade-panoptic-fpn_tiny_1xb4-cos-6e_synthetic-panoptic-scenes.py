# The Baseline of cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py
# on the testbed in the paper's regime (variant 'scenes', made on first use
# in data/synthetic_panoptic_scenes/; 8 thing and 5 stuff classes, as the
# first dataset, so the same heads): same model, schedule and runtime.
#   python tools/train.py <this config>
_base_ = [
    '../_base_/models/cascade-panoptic-fpn_tiny.py',
    '../_base_/datasets/synthetic_panoptic_scenes.py',
    '../_base_/schedules/cosine_6e_cpu.py',
    '../_base_/default_runtime.py',
]
# as in the first dataset's Baseline
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=1, max_keep_ckpts=2))
custom_hooks = [dict(type='EpochSeedHook')]
randomness = dict(seed=0)
