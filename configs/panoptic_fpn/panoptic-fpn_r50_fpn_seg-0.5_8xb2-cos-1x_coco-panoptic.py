# Panoptic FPN with Kirillov et al.'s tuned semantic loss weight 0.5
# (Table 4, double dagger; mmdet's own setting).
_base_ = './panoptic-fpn_r50_fpn_8xb2-cos-1x_coco-panoptic.py'
model = dict(semantic_head=dict(loss_seg=dict(loss_weight=0.5)))
