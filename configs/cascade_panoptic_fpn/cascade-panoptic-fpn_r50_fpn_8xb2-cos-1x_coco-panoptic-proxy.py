# Baseline trained on the proxy train split, tested on val2017 (Table 1, the
# COCO_p rows; make the split with tools/misc/make_proxy_split.py).
_base_ = [
    '../_base_/models/cascade-panoptic-fpn_r50_fpn.py',
    '../_base_/datasets/coco_panoptic_proxy.py',
    '../_base_/schedules/cosine_12e.py',
    '../_base_/default_runtime.py',
]
custom_hooks = [dict(type='EpochSeedHook')]
