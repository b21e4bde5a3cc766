# The Baseline of cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py
# trained twice as long: 12 epochs of the proxy train split (1,200
# iterations at batch 4), same model, data, optimizer, warm-up and runtime.
# The target of the transfer to a longer schedule (Table 3 at CPU scale).
#   python tools/train.py <this config>
_base_ = [
    '../_base_/models/cascade-panoptic-fpn_tiny.py',
    '../_base_/datasets/synthetic_panoptic.py',
    '../_base_/schedules/cosine_12e_cpu.py',
    '../_base_/default_runtime.py',
]
# as in the 6-epoch Baseline
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=1, max_keep_ckpts=2))
custom_hooks = [dict(type='EpochSeedHook')]
randomness = dict(seed=0)
