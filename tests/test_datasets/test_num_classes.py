"""The heads' class counts against the datasets' classes, and the dataset
base configs (paths written once, in the dataloaders)."""
import os
import os.path as osp
import shutil

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmada  # noqa: F401
from mmada.datasets import check_num_classes, set_num_classes
from mmada.datasets.synthetic import (STUFF_CLASSES, THING_CLASSES,
                                      default_root)
from mmdet.registry import DATASETS

init_default_scope('mmdet')
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATASET_CONFIGS = osp.join(REPO, 'configs', '_base_', 'datasets')
NT, NS = len(THING_CLASSES), len(STUFF_CLASSES)
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _model(things=80, stuff=53):
    """A Cascade-like panoptic model config (3 bbox heads as a list)."""
    return dict(
        type='TwoStagePanopticSegmentor',
        rpn_head=dict(type='RPNHead', num_classes=1),
        roi_head=dict(
            type='CascadeRoIHead',
            bbox_head=[
                dict(type='Shared2FCBBoxHead', num_classes=things)
                for _ in range(3)
            ],
            mask_head=dict(type='FCNMaskHead', num_classes=things)),
        semantic_head=dict(
            type='PanopticFPNHead',
            num_things_classes=things,
            num_stuff_classes=stuff),
        panoptic_fusion_head=dict(
            type='HeuristicFusionHead',
            num_things_classes=things,
            num_stuff_classes=stuff))


def test_set_num_classes():
    model = set_num_classes(_model(), 3, 2)
    assert [h['num_classes'] for h in model['roi_head']['bbox_head']] == \
        [3, 3, 3]
    assert model['roi_head']['mask_head']['num_classes'] == 3
    assert model['rpn_head']['num_classes'] == 1  # not a class count
    for head in ('semantic_head', 'panoptic_fusion_head'):
        assert model[head]['num_things_classes'] == 3
        assert model[head]['num_stuff_classes'] == 2


def test_check_num_classes():
    meta = dict(thing_classes=THING_CLASSES, stuff_classes=STUFF_CLASSES)
    cfg = Config(
        dict(
            model=_model(NT, NS),
            train_dataloader=dict(
                dataset=dict(
                    type='RepeatDataset',
                    dataset=dict(type='PanopticDataset', metainfo=meta)))))
    check_num_classes(cfg)
    cfg.model.roi_head.bbox_head[1].num_classes = 80
    with pytest.raises(
            ValueError,
            match=r'model\.roi_head\.bbox_head\[1\]\.num_classes is 80 but '
            r'train_dataloader\.dataset\.dataset has 8 thing classes '
            r'\(its metainfo\): set it to 8'):
        check_num_classes(cfg)
    cfg.model.roi_head.bbox_head[1].num_classes = NT
    cfg.model.panoptic_fusion_head.num_stuff_classes = 53
    with pytest.raises(
            ValueError,
            match=r'model\.panoptic_fusion_head\.'
            r'num_stuff_classes is 53 .* 5 stuff classes'):
        check_num_classes(cfg)
    # mmdet's dataset classes: COCO's 80 + 53 from METAINFO
    coco = Config(
        dict(
            model=_model(),
            val_dataloader=dict(dataset=dict(type='CocoPanopticDataset'))))
    check_num_classes(coco)
    coco.model.semantic_head.num_things_classes = 8
    with pytest.raises(ValueError, match='CocoPanopticDataset.METAINFO'):
        check_num_classes(coco)


def test_check_reads_the_classes_a_config_implies(synth_root):
    """No metainfo: the synthetic dataset's classes, else the JSON's."""
    cfg = Config(
        dict(
            model=_model(),
            val_dataloader=dict(
                dataset=dict(
                    type='PanopticDataset', synthetic=dict(num_train=4)))))
    with pytest.raises(ValueError, match='the synthetic dataset'):
        check_num_classes(cfg)
    cfg.val_dataloader.dataset = dict(
        type='PanopticDataset',
        data_root=synth_root,
        ann_file='annotations/panoptic_val.json')
    with pytest.raises(ValueError, match='panoptic_val.json'):
        check_num_classes(cfg)
    set_num_classes(cfg.model, NT, NS)
    check_num_classes(cfg)
    cfg.val_dataloader.dataset.ann_file = 'absent.json'  # not known yet
    set_num_classes(cfg.model, 1, 1)
    check_num_classes(cfg)


def _lay_out(ds, synth_root, root):
    """The synthetic train split under the file names of dataset config
    ``ds``: its images, PNGs and annotation file (or, with a proxy split,
    its source file, split on first use)."""
    for folder, src in ((ds.data_prefix.img, 'train'),
                        (ds.data_prefix.seg, 'annotations/panoptic_train')):
        if not osp.exists(osp.join(root, folder)):
            shutil.copytree(osp.join(synth_root, src), osp.join(root, folder))
    ann_file = ds.proxy_split.source if ds.get('proxy_split') else ds.ann_file
    os.makedirs(osp.dirname(osp.join(root, ann_file)), exist_ok=True)
    shutil.copy(
        osp.join(synth_root, 'annotations', 'panoptic_train.json'),
        osp.join(root, ann_file))


@pytest.mark.parametrize('name', [
    'coco_panoptic', 'coco_panoptic_proxy', 'ade20k_panoptic',
    'ade20k_panoptic_proxy', 'my_panoptic_dataset_example',
    'synthetic_panoptic', 'synthetic_panoptic_glyphs'
])
def test_base_configs(name, synth_root, tmp_path):
    """Each base config builds its datasets on data laid out as it says,
    and its evaluators have no paths of their own (they follow their
    dataset)."""
    cfg = Config.fromfile(osp.join(DATASET_CONFIGS, f'{name}.py'))
    assert cfg.val_evaluator == dict(type='PanopticMetric')
    assert cfg.test_evaluator == dict(type='PanopticMetric')
    root = str(tmp_path / 'data')
    for key in LOADERS:
        ds = cfg[key].dataset
        assert ds.type == 'PanopticDataset'
        assert 'StrictLoadPanopticAnnotations' in [
            t['type'] for t in ds.pipeline
        ]
        if name.startswith('synthetic_panoptic'):
            variant = ds.synthetic.get('variant', 'shapes')
            assert variant == ('glyphs' if 'glyphs' in name else 'shapes')
            assert ds.data_root == default_root(variant) + '/'
            assert ds.synthetic.num_train == 480
            continue
        _lay_out(ds, synth_root, root)
        ds.data_root = root
        ds.pop('metainfo', None)  # the example's classes are not these
        if ds.get('proxy_split'):
            ds.proxy_split.num_val = 4
        built = DATASETS.build(ds)
        assert len(built) > 0
        assert built.metainfo['ann_file'] == osp.join(root, ds.ann_file)
        assert built.metainfo['classes'] == THING_CLASSES + STUFF_CLASSES


def test_synthetic_config_makes_its_data(tmp_path):
    """The synthetic base config's datasets generate the data on first use
    (no tool involved) and split it as the config says."""
    cfg = Config.fromfile(osp.join(DATASET_CONFIGS, 'synthetic_panoptic.py'))
    assert cfg.train_dataloader.num_workers == 0
    assert cfg.train_dataloader.batch_size == 4
    root = str(tmp_path / 'synth')
    sizes = []
    for key in LOADERS:
        ds = cfg[key].dataset
        ds.data_root = root
        ds.synthetic = dict(num_train=8, num_val=3, num_proxy_val=2)
        built = DATASETS.build(ds)
        sizes.append(len(built))
    assert sizes == [6, 2, 3]
    out = built[0]
    h, w = out['inputs'].shape[1:]
    assert max(h, w) <= 160 and min(h, w) <= 128
    assert out['data_samples'].img_path.startswith(osp.join(root, 'val'))
