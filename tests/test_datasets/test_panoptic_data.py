"""The ``panoptic_data`` config key and the class-count check."""
import copy
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmada  # noqa: F401
from mmada.datasets import (PanopticDataset, apply_panoptic_data,
                            check_num_classes)
from mmada.datasets.synthetic import STUFF_CLASSES, THING_CLASSES
from mmdet.registry import DATASETS

init_default_scope('mmdet')
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATASET_CONFIGS = osp.join(REPO, 'configs', '_base_', 'datasets')
NT, NS = len(THING_CLASSES), len(STUFF_CLASSES)


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


def _config(root, **panoptic_data):
    dataset = dict(
        type='CocoPanopticDataset',
        data_root='data/coco/',
        ann_file='annotations/panoptic_train2017.json',
        data_prefix=dict(img='train2017/', seg='x/'),
        pipeline=[])
    return Config(
        dict(
            model=_model(),
            panoptic_data=dict(
                dict(
                    data_root=root,
                    train=dict(
                        ann_file='annotations/panoptic_proxy_train.json',
                        img='train/',
                        seg='annotations/panoptic_train/'),
                    val=dict(
                        ann_file='annotations/panoptic_proxy_val.json',
                        img='train/',
                        seg='annotations/panoptic_train/'),
                    test=dict(
                        ann_file='annotations/panoptic_val.json',
                        img='val/',
                        seg='annotations/panoptic_val/')), **panoptic_data),
            train_dataloader=dict(
                dataset=dict(
                    type='RepeatDataset',
                    times=2,
                    dataset=copy.deepcopy(dataset))),
            val_dataloader=dict(dataset=copy.deepcopy(dataset)),
            test_dataloader=dict(dataset=copy.deepcopy(dataset)),
            val_evaluator=dict(type='CocoPanopticMetric', ann_file='x'),
            test_evaluator=[
                dict(type='CocoPanopticMetric', ann_file='x'),
                dict(type='CocoMetric', ann_file='y')
            ]))


def test_apply_fills_everything(synth_root):
    root = synth_root + '/'
    cfg = apply_panoptic_data(_config(root))
    m = cfg.model
    assert [h.num_classes for h in m.roi_head.bbox_head] == [NT] * 3
    assert m.roi_head.mask_head.num_classes == NT
    assert m.rpn_head.num_classes == 1
    for head in (m.semantic_head, m.panoptic_fusion_head):
        assert (head.num_things_classes, head.num_stuff_classes) == (NT, NS)
    meta = dict(
        classes=THING_CLASSES + STUFF_CLASSES,
        thing_classes=THING_CLASSES,
        stuff_classes=STUFF_CLASSES)
    train = cfg.train_dataloader.dataset
    assert train.type == 'RepeatDataset' and train.times == 2
    expected = dict(
        train=('annotations/panoptic_proxy_train.json', 'train/',
               'annotations/panoptic_train/'),
        val=('annotations/panoptic_proxy_val.json', 'train/',
             'annotations/panoptic_train/'),
        test=('annotations/panoptic_val.json', 'val/',
              'annotations/panoptic_val/'))
    for split, ds in (('train', train.dataset), ('val',
                                                 cfg.val_dataloader.dataset),
                      ('test', cfg.test_dataloader.dataset)):
        ann, img, seg = expected[split]
        assert ds.type == 'PanopticDataset'
        assert ds.data_root == root and ds.ann_file == ann
        assert ds.data_prefix == dict(img=img, seg=seg)
        assert ds.metainfo == meta
    assert cfg.val_evaluator == dict(
        type='PanopticMetric',
        ann_file=root + 'annotations/panoptic_proxy_val.json',
        seg_prefix=root + 'annotations/panoptic_train/')
    assert cfg.test_evaluator[0] == dict(
        type='PanopticMetric',
        ann_file=root + 'annotations/panoptic_val.json',
        seg_prefix=root + 'annotations/panoptic_val/')
    assert cfg.test_evaluator[1] == dict(type='CocoMetric', ann_file='y')
    # the result builds, and applying again changes nothing
    ds = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(ds) == 16 and ds.metainfo['thing_classes'] == THING_CLASSES
    before = copy.deepcopy(cfg._cfg_dict.to_dict())
    assert apply_panoptic_data(cfg)._cfg_dict.to_dict() == before


def test_explicit_classes_and_default_test(synth_root):
    cfg = _config(
        synth_root, thing_classes=THING_CLASSES[:3], stuff_classes=['sky'])
    cfg.panoptic_data.test = None
    cfg.val_dataloader.dataset.type = 'PanopticDataset'
    apply_panoptic_data(cfg)
    assert cfg.model.roi_head.bbox_head[2].num_classes == 3
    assert cfg.model.semantic_head.num_stuff_classes == 1
    assert cfg.test_dataloader.dataset.ann_file == \
        'annotations/panoptic_proxy_val.json'
    assert cfg.test_dataloader.dataset.metainfo.classes == \
        THING_CLASSES[:3] + ('sky', )


def test_keeps_panoptic_dataset_subclasses(synth_root):

    @DATASETS.register_module(force=True)
    class MyPanopticDataset(PanopticDataset):
        pass

    cfg = _config(synth_root)
    cfg.val_dataloader.dataset.type = 'MyPanopticDataset'
    apply_panoptic_data(cfg)
    assert cfg.val_dataloader.dataset.type == 'MyPanopticDataset'
    assert cfg.test_dataloader.dataset.type == 'PanopticDataset'


def test_synthetic_is_made_on_first_use(tmp_path):
    root = str(tmp_path / 'made')
    cfg = _config(
        root, synthetic=dict(num_train=5, num_val=2, num_proxy_val=2))
    apply_panoptic_data(cfg)
    assert osp.isfile(osp.join(root, 'annotations', 'panoptic_val.json'))
    assert cfg.model.roi_head.mask_head.num_classes == NT


def test_errors(synth_root, tmp_path):
    cfg = _config(synth_root, data_rot='typo')
    with pytest.raises(
            ValueError,
            match=r"unknown key\(s\) \['data_rot'\]; allowed "
            r"keys: \['data_root', 'thing_classes'"):
        apply_panoptic_data(cfg)
    cfg = _config(synth_root)
    cfg.panoptic_data.val = dict(ann_file='a', img='b', segs='c')
    with pytest.raises(ValueError, match=r"panoptic_data.val: unknown key"):
        apply_panoptic_data(cfg)
    with pytest.raises(ValueError, match='both thing_classes'):
        apply_panoptic_data(_config(synth_root, thing_classes=('a', )))
    with pytest.raises(
            FileNotFoundError, match='cannot read the classes.*thing_classes'):
        apply_panoptic_data(_config(str(tmp_path / 'nothing')))
    cfg = _config(synth_root)
    cfg.train_dataloader.dataset = dict(
        type='ConcatDataset', datasets=[dict(type='PanopticDataset')])
    with pytest.raises(
            ValueError, match='train_dataloader.dataset combines several'):
        apply_panoptic_data(cfg)


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
    with pytest.raises(ValueError, match='bbox_head'):
        apply_panoptic_data(cfg)  # no panoptic_data: runs the check
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


@pytest.mark.parametrize('name', [
    'coco_panoptic', 'coco_panoptic_proxy', 'ade20k_panoptic',
    'ade20k_panoptic_proxy', 'my_panoptic_dataset_example',
    'synthetic_panoptic'
])
def test_base_configs(name, synth_root, tmp_path):
    cfg = Config.fromfile(osp.join(DATASET_CONFIGS, f'{name}.py'))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds = cfg[key].dataset
        assert ds.type == 'PanopticDataset'
        assert ds.ann_file == '<set by apply_panoptic_data(cfg)>'
        loaders = [t['type'] for t in ds.pipeline]
        assert 'StrictLoadPanopticAnnotations' in loaders
    assert cfg.val_evaluator.type == 'PanopticMetric'
    pd = cfg.panoptic_data
    assert set(pd) <= {
        'data_root', 'thing_classes', 'stuff_classes', 'train', 'val', 'test',
        'synthetic'
    }
    if name == 'synthetic_panoptic':
        return
    # point it at a dataset laid out as the config says: the synthetic one
    # with the config's file names
    pd.data_root = synth_root
    for split in ('train', 'val', 'test'):
        if pd.get(split):
            pd[split] = dict(
                ann_file='annotations/panoptic_train.json',
                img='train/',
                seg='annotations/panoptic_train/')
    pd.pop('thing_classes', None)
    pd.pop('stuff_classes', None)
    apply_panoptic_data(cfg)
    assert cfg.test_evaluator.ann_file.startswith(synth_root)


def test_synthetic_config_end_to_end(synth_root):
    cfg = Config.fromfile(osp.join(DATASET_CONFIGS, 'synthetic_panoptic.py'))
    assert cfg.panoptic_data.data_root == 'data/synthetic_panoptic/'
    assert cfg.panoptic_data.synthetic.num_train == 480
    assert cfg.train_dataloader.num_workers == 0
    assert cfg.train_dataloader.batch_size == 4
    cfg.panoptic_data.data_root = synth_root
    cfg.panoptic_data.synthetic = dict(
        num_train=12, num_val=4, num_proxy_val=4, seed=3)  # the fixture's
    cfg.model = _model()
    apply_panoptic_data(cfg)
    assert cfg.model.roi_head.bbox_head[0].num_classes == NT
    train = DATASETS.build(cfg.train_dataloader.dataset)
    val = DATASETS.build(cfg.val_dataloader.dataset)
    test = DATASETS.build(cfg.test_dataloader.dataset)
    assert (len(train), len(val), len(test)) == (8, 4, 4)
    out = train[0]
    h, w = out['inputs'].shape[1:]
    assert max(h, w) <= 160 and min(h, w) <= 128
    assert (out['data_samples'].gt_instances.labels < NT).all()
    assert test[0]['data_samples'].img_path.endswith('.jpg')
