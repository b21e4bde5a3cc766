# Ada-Segment's exploration (Algorithm 1) for the tiny network on the
# built-in dataset, sized for a 2-core CPU: m = 4 members over a 2-epoch
# cosine schedule (200 iterations) cut into the pseudo epoch + T = 3
# checkpoints, q = 50 iterations apart; rewards from PQ on the 80 proxy val
# images. The controller (work_dirs/<this config>/controller.pth) then drives
# a 6-epoch training: ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic.py.
#   python tools/explore.py <this config>
_base_ = '../cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py'

train_cfg = dict(max_epochs=2)
runner_type = 'ExploreRunner'
# The controller's Adam lr: the paper's 5e-2 (the library default, kept for
# COCO) moves every policy weight by ~5e-2 per update, i.e. lambda by up to
# an order of magnitude here: on this run it fell to ~0.1-0.4 after one
# update, most samples then had a negative entry and checkpoint 3 trained no
# member. 5e-3 moves lambda by roughly x0.8-1.25 per update (README).
explore = dict(
    population=4, checkpoints=3, interval=50, controller=dict(lr=5e-3))
custom_hooks = [dict(type='LossWeightHook')]
