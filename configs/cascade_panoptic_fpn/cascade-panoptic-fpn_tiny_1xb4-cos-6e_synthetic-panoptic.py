# The paper's network at CPU size on the built-in synthetic dataset (made on
# first use in data/synthetic_panoptic/): 6 epochs of the proxy train split
# (400 images, 100 iterations per epoch at batch 4), every loss weight 1
# (the paper's Baseline).
#   python tools/train.py <this config>
_base_ = [
    '../_base_/models/cascade-panoptic-fpn_tiny.py',
    '../_base_/datasets/synthetic_panoptic.py',
    '../_base_/schedules/cosine_6e_cpu.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=1, max_keep_ckpts=2))
# every epoch reseeds all RNGs from (seed, epoch): --resume repeats the
# uninterrupted run exactly (with num_workers=0)
custom_hooks = [dict(type='EpochSeedHook')]
randomness = dict(seed=0)
