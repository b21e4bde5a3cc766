# Panoptic FPN at CPU size on the built-in dataset, every loss weight 1 (the
# paper's second model, Table 4); same data and schedule as the tiny cascade.
_base_ = [
    '../_base_/models/panoptic-fpn_tiny.py',
    '../_base_/datasets/synthetic_panoptic.py',
    '../_base_/schedules/cosine_6e_cpu.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=1, max_keep_ckpts=2))
custom_hooks = [dict(type='EpochSeedHook')]
randomness = dict(seed=0)
