# The second built-in synthetic dataset (variant 'glyphs' of
# mmada/datasets/synthetic.py), for transfer between datasets (the paper's
# Table 3 at CPU scale): 6 thing and 4 stuff classes, all other than the
# first dataset's (names and category ids), 80-128 px images with 3-10
# relatively larger things, other colours and textures, more brightness
# spread and noise, at difficulty 0.25. Made on first use in its own
# data_root; same splits, pipelines and loaders as synthetic_panoptic.py.
# The metric follows each dataset's files.
_base_ = './synthetic_panoptic.py'

data_root = 'data/synthetic_panoptic_glyphs/'
# merged into the base's options (same split sizes and seed)
synthetic = dict(variant='glyphs')

train_dataloader = dict(
    dataset=dict(data_root=data_root, synthetic=synthetic))
val_dataloader = dict(dataset=dict(data_root=data_root, synthetic=synthetic))
test_dataloader = dict(dataset=dict(data_root=data_root, synthetic=synthetic))
