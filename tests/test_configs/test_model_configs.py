"""Each model config builds, computes its losses and predicts on tiny inputs
(CPU): the paper's network (R-50, R-50-D with DCNv2), Panoptic FPN, and the
tiny CPU versions of both; every config loads with class counts that
match its datasets; the second synthetic dataset's configs."""
import glob
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config

import mmada  # noqa: F401
from mmada.datasets import set_num_classes

R50 = pytest.mark.e2e  # a ResNet-50 forward and backward: seconds on CPU
CONFIGS = [
    pytest.param(
        'configs/cascade_panoptic_fpn/'
        'cascade-panoptic-fpn_r50_fpn_8xb2-cos-1x_coco-panoptic.py',
        marks=R50),
    pytest.param(
        'configs/cascade_panoptic_fpn/'
        'cascade-panoptic-fpn_r50-dcn_fpn_8xb2-cos-1x_coco-panoptic.py',
        marks=R50),
    pytest.param(
        'configs/panoptic_fpn/'
        'panoptic-fpn_r50_fpn_8xb2-cos-1x_coco-panoptic.py',
        marks=R50),
    'configs/cascade_panoptic_fpn/'
    'cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py',
    'configs/panoptic_fpn/panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py',
]
THINGS, STUFF = ('a', 'b', 'c'), ('d', 'e')


def build(path):
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(path)
    set_num_classes(cfg.model, len(THINGS), len(STUFF))
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    return MODELS.build(cfg.model), cfg


@pytest.mark.parametrize(
    'path', CONFIGS,
    ids=lambda p: (p.values[0] if hasattr(p, 'values') else p).split('/')[-1])
def test_loss_and_predict(path):
    from mmdet.testing import demo_mm_inputs
    model, cfg = build(path)
    # set_num_classes reaches every head's class count
    assert model.panoptic_fusion_head.num_things_classes == 3
    assert model.semantic_head.num_stuff_classes == 2
    bbox_heads = model.roi_head.bbox_head
    for head in bbox_heads if isinstance(bbox_heads,
                                         torch.nn.ModuleList) else [bbox_heads]:
        assert head.num_classes == 3
    if 'dcn' in path:
        from mmcv.ops import ModulatedDeformConv2dPack
        assert any(
            isinstance(m, ModulatedDeformConv2dPack)
            for m in model.backbone.layer3.modules())
        assert not any(
            isinstance(m, ModulatedDeformConv2dPack)
            for m in model.backbone.layer1.modules())
    inputs = demo_mm_inputs(batch_size=1, image_shapes=(3, 96, 128),
                            num_items=[3], num_classes=3, with_mask=True,
                            with_semantic=True)
    model.train()
    data = model.data_preprocessor(inputs, True)
    losses = model(**data, mode='loss')
    # the config names exactly the weighted losses the model produces
    weighted = cfg.loss_weighting.losses
    assert set(weighted) <= set(losses)
    assert len(weighted) == (10 if 'cascade' in path else 4)
    assert set(cfg.loss_weighting.heads) == set(weighted)
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    total.backward()
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(inputs, False)
        out = model(**data, mode='predict')
    pan = out[0].pred_panoptic_seg.sem_seg
    assert pan.shape[-2:] == (96, 128)


# -- every config; the second synthetic dataset ('glyphs') ------------------

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ALL_CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                       recursive=True)
    if '_base_' not in p.split(os.sep))
BASELINE = ('configs/cascade_panoptic_fpn/'
            'cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py')
GLYPHS = BASELINE.replace('.py', '-glyphs.py')
TRANSFER = 'configs/ada_segment/ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic.py'  # noqa: E501
GLYPHS_TRANSFER = TRANSFER.replace('.py', '-glyphs.py')
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def test_every_config_is_seen():
    assert len(ALL_CONFIGS) >= 35
    assert GLYPHS in ALL_CONFIGS and GLYPHS_TRANSFER in ALL_CONFIGS


@pytest.mark.parametrize('path', ALL_CONFIGS, ids=osp.basename)
def test_every_config_loads_with_matching_class_counts(path):
    from mmada.datasets import check_num_classes
    check_num_classes(Config.fromfile(osp.join(REPO, path)))


def test_glyphs_configs_differ_only_in_data_and_class_counts():
    """The glyphs Baseline is the first Baseline on the other dataset; its
    transfer config is the glyphs Baseline with the first transfer
    config's hooks (the controller explored on the first dataset)."""
    from mmada.datasets import check_num_classes
    from mmada.datasets.synthetic import (SyntheticOptions, default_root,
                                          synthetic_classes)
    first = Config.fromfile(BASELINE)
    glyphs = Config.fromfile(GLYPHS)
    things, stuff = synthetic_classes('glyphs')
    assert (len(things), len(stuff)) == (6, 4)
    model = glyphs.model
    assert [h.num_classes for h in model.roi_head.bbox_head] == [6, 6, 6]
    assert model.roi_head.mask_head.num_classes == 6
    for head in (model.semantic_head, model.panoptic_fusion_head):
        assert (head.num_things_classes, head.num_stuff_classes) == (6, 4)
    check_num_classes(glyphs)
    for key in LOADERS:
        ds = glyphs[key].dataset
        assert ds.data_root == default_root('glyphs') + '/'
        assert ds.synthetic == dict(first[key].dataset.synthetic,
                                    variant='glyphs')
        # the same splits and seed; every other option the variant's
        assert SyntheticOptions(**ds.synthetic) == SyntheticOptions(
            variant='glyphs')
        # and the first dataset's config resolves to its own defaults
        # (difficulty 0.5: the files made before stay valid)
        assert SyntheticOptions(**first[key].dataset.synthetic) == \
            SyntheticOptions()
    # the first dataset's heads on the glyphs data: refused
    mixed = Config.fromfile(GLYPHS)
    mixed.model = first.model
    with pytest.raises(ValueError, match="8 but .* 6 thing classes "
                       r"\(the synthetic dataset, variant 'glyphs'\)"):
        check_num_classes(mixed)
    # nothing else differs: the first Baseline with the glyphs' data and
    # class counts is the glyphs Baseline
    expected = Config.fromfile(BASELINE)
    set_num_classes(expected.model, 6, 4)
    for key in LOADERS:
        expected[key].dataset.data_root = glyphs[key].dataset.data_root
        expected[key].dataset.synthetic = glyphs[key].dataset.synthetic
    mine = glyphs.to_dict()
    mine.pop('num_things_classes'), mine.pop('num_stuff_classes')
    theirs = expected.to_dict()
    theirs.update(data_root=mine['data_root'], synthetic=mine['synthetic'])
    assert mine == theirs
    # the transfer: glyphs Baseline + the first transfer's hooks
    transfer = Config.fromfile(TRANSFER)
    glyphs_transfer = Config.fromfile(GLYPHS_TRANSFER)
    assert glyphs_transfer.custom_hooks == transfer.custom_hooks
    assert glyphs_transfer.controller == transfer.controller
    expected = glyphs.to_dict()
    expected.update(custom_hooks=transfer.custom_hooks,
                    controller=transfer.controller)
    assert glyphs_transfer.to_dict() == expected


def test_glyphs_loss_on_its_data_with_the_first_controller(tmp_path):
    """The glyphs Baseline (its own class counts) computes the same 10
    losses on a batch of glyphs data, which the controller explored on the
    first dataset accepts; it predicts."""
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope
    from mmdet.registry import DATASETS, HOOKS, MODELS
    from mmdet.utils import register_all_modules
    from toy_controller import write_controller
    register_all_modules()
    init_default_scope('mmdet')
    cfg = Config.fromfile(GLYPHS_TRANSFER)
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.data_root = str(tmp_path / 'glyphs')
    ds_cfg.synthetic = dict(ds_cfg.synthetic, num_train=4, num_val=1,
                            num_proxy_val=2)
    dataset = DATASETS.build(ds_cfg)
    assert dataset.metainfo['thing_classes'] == (
        'hexagon', 'oval', 'arrow', 'ell', 'tee', 'heart')
    assert len(dataset.metainfo['stuff_classes']) == 4
    batch = pseudo_collate([dataset[0], dataset[1]])
    for sample in batch['data_samples']:
        assert (sample.gt_instances.labels < 6).all()
        sem = sample.gt_sem_seg.sem_seg
        assert ((sem < 10) | (sem == 255)).all()
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    data = model.data_preprocessor(batch, True)
    losses = model(**data, mode='loss')
    weighted = cfg.loss_weighting.losses
    assert len(weighted) == 10 and set(weighted) <= set(losses)
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    # the explored controller knows the first Baseline's 10 losses
    first = Config.fromfile(BASELINE).loss_weighting.losses
    assert first == weighted
    hook_cfg = cfg.custom_hooks[1]
    hook = HOOKS.build(
        dict(hook_cfg,
             weighting=dict(hook_cfg.weighting,
                            controller=write_controller(
                                tmp_path / 'controller.pth', first,
                                [[1.0] * 10]))))
    hook.weighting.set_losses(weighted)
    assert hook.weighting.names == weighted
    assert hook.weighting.resolve(list(losses)) == weighted
    # predict on the test split, through the test pipeline
    test_cfg = cfg.test_dataloader.dataset
    test_cfg.data_root, test_cfg.synthetic = ds_cfg.data_root, \
        ds_cfg.synthetic
    batch = pseudo_collate([DATASETS.build(test_cfg)[0]])
    model.eval()
    with torch.no_grad():
        out = model(**model.data_preprocessor(batch, False), mode='predict')
    assert tuple(out[0].pred_panoptic_seg.sem_seg.shape[-2:]) == \
        batch['data_samples'][0].ori_shape
