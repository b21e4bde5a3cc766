# The Baseline of cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py
# with a deeper backbone: ResNet-34 (3-4-6-3 basic blocks instead of
# 2-2-2-2) at the same width (16 base channels, so the same 32-channel FPN
# on the same 16-128 stage channels), like the paper's R-50 -> R-101. The
# target of the transfer to another backbone (Table 3 at CPU scale). One
# training step (forward + backward, 4 images, one thread) took about as
# long as the tiny model's: within the noise of a loaded machine.
#   python tools/train.py <this config>
_base_ = './cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py'
model = dict(backbone=dict(depth=34))
