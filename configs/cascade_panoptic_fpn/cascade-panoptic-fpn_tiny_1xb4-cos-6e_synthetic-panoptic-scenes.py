# The Baseline of cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py
# on the testbed in the paper's regime (variant 'scenes', made on first use
# in data/synthetic_panoptic_scenes/; 8 thing and 5 stuff classes, as the
# first dataset, so the same heads): same model, schedule and runtime; the
# lr tuned for it (below).
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
# lr tuned on proxy val, seed 0 (tools/analysis/select_testbed.py --lr 0.5 1
# 2 4 8, 2026-12-05): x0.5 38.4, x1 47.3, x2 51.8, x4 54.3, x8 0.5 PQ (the
# loss went NaN); 4 x the paper's 0.02. Every scenes method inherits it.
optim_wrapper = dict(optimizer=dict(lr=0.08))
