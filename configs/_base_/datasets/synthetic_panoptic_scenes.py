# The built-in testbed in the paper's regime (variant 'scenes' of
# mmada/datasets/synthetic.py): 8 thing and 5 stuff classes (other ids than
# the first dataset's), 112-144 px images with 3-7 large (20-56 px), often
# occluding things partly painted in their class colour, so that the tiny
# network learns things and stuff both within 6 epochs (configs/baselines/
# README.md, "The scenes testbed"). Made on first use in its own
# data_root; same proxy split (400 / 80 of the 480 train images), pipelines
# and loaders as synthetic_panoptic.py, and a larger test split (300 images)
# so that evaluation noise shrinks.
_base_ = './synthetic_panoptic.py'

data_root = 'data/synthetic_panoptic_scenes/'
# merged into the base's options (same train split and seed)
synthetic = dict(variant='scenes', num_val=300)

train_dataloader = dict(
    dataset=dict(data_root=data_root, synthetic=synthetic))
val_dataloader = dict(dataset=dict(data_root=data_root, synthetic=synthetic))
test_dataloader = dict(dataset=dict(data_root=data_root, synthetic=synthetic))
