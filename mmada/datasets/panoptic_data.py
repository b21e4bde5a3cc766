"""One short config key per panoptic dataset: ``panoptic_data``.

Adding a panoptic dataset to an mmdet config means editing ~4 places (the
three dataloaders' metainfo and paths, the evaluators' ``ann_file`` and
``seg_prefix``, every head's class counts), and one wrong place gives PQ 0.
Overriding ``data_root`` in a child config does not help: mmengine binds
variables when the base config is parsed. Instead a config says::

    panoptic_data = dict(
        data_root='data/my_dataset/',
        thing_classes=('cat', 'dog'),      # optional: read from the JSON
        stuff_classes=('grass', 'sky'),    # optional: read from the JSON
        train=dict(ann_file='annotations/panoptic_train.json', img='train/',
                   seg='annotations/panoptic_train/'),
        val=dict(ann_file='annotations/panoptic_val.json', img='val/',
                 seg='annotations/panoptic_val/'),
        test=None,        # optional: defaults to val
        synthetic=None)   # optional: generate_synthetic_panoptic kwargs

and the tools call :func:`apply_panoptic_data` right after loading the
config and applying ``--cfg-options``. It fills the dataloaders (through
wrappers such as ``RepeatDataset``), the panoptic evaluators and the class
counts of the model's heads. :func:`check_num_classes` checks a config
without ``panoptic_data``.
"""
import os.path as osp
from typing import Any, Iterator, List, Optional, Tuple

from mmdet.registry import DATASETS, METRICS
from .panoptic import PanopticDataset
from .proxy_split import read_categories
from .synthetic import ensure_synthetic_panoptic

ALLOWED_KEYS = ('data_root', 'thing_classes', 'stuff_classes', 'train', 'val',
                'test', 'synthetic')
SPLIT_KEYS = ('ann_file', 'img', 'seg')
_LOADERS = (('train', 'train_dataloader'), ('val', 'val_dataloader'),
            ('test', 'test_dataloader'))
_EVALUATORS = (('val', 'val_evaluator'), ('test', 'test_evaluator'))


def _registered(registry, type_: Any) -> Optional[type]:
    if isinstance(type_, type):
        return type_
    if isinstance(type_, str):
        return registry.get(type_)
    return None


def _leaf_dataset(ds: Any, where: str) -> Tuple[Optional[dict], str]:
    """Follow ``dataset`` keys of wrappers down to the real dataset."""
    while isinstance(ds, dict):
        if 'datasets' in ds:
            return None, where  # ConcatDataset & co: several datasets
        cls = _registered(DATASETS, ds.get('type'))
        if 'dataset' not in ds or (isinstance(cls, type)
                                   and issubclass(cls, PanopticDataset)):
            return ds, where
        ds, where = ds['dataset'], f'{where}.dataset'
    return None, where


def _split(pd: dict, name: str, required: bool) -> Optional[dict]:
    split = pd.get(name)
    if split is None:
        if required:
            raise ValueError(
                f'panoptic_data.{name} is required: '
                f'dict({", ".join(k + "=..." for k in SPLIT_KEYS)})')
        return None
    if not isinstance(split, dict):
        raise TypeError(f'panoptic_data.{name} must be a dict, got '
                        f'{type(split).__name__}')
    unknown = sorted(set(split) - set(SPLIT_KEYS))
    missing = [k for k in SPLIT_KEYS if k not in split]
    if unknown or missing:
        raise ValueError(
            f'panoptic_data.{name}: unknown key(s) {unknown}, missing '
            f'key(s) {missing}; allowed keys: {list(SPLIT_KEYS)}')
    return dict(split)


def _classes(pd: dict, data_root: str,
             splits: dict) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    things, stuff = pd.get('thing_classes'), pd.get('stuff_classes')
    if (things is None) != (stuff is None):
        raise ValueError('panoptic_data: give both thing_classes and '
                         'stuff_classes, or neither (to read them from the '
                         'annotation file)')
    if things is not None:
        return tuple(things), tuple(stuff)
    files = [
        osp.join(data_root, s['ann_file']) for s in splits.values()
        if s is not None
    ]
    for path in files:
        if osp.isfile(path):
            cats = read_categories(path)
            return (tuple(c['name'] for c in cats if c['isthing']),
                    tuple(c['name'] for c in cats if not c['isthing']))
    raise FileNotFoundError(
        f'panoptic_data: cannot read the classes, none of {files} exists; '
        'get the data or set panoptic_data.thing_classes/stuff_classes')


def _dicts(node: Any, path: str) -> Iterator[Tuple[str, dict]]:
    """Every dict in a config tree, with its path (``a.b[1].c``)."""
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from _dicts(v, f'{path}.{k}')
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            yield from _dicts(v, f'{path}[{i}]')


def _head_counts(model: dict) -> Iterator[Tuple[dict, str, str, str]]:
    """(dict, key, path, 'thing'|'stuff') of every class count of the heads.

    ``num_classes`` of each ``roi_head.bbox_head``/``mask_head`` (a dict or a
    list of dicts, e.g. Cascade's stages) and ``num_things_classes`` /
    ``num_stuff_classes`` of any dict having one of them.
    """
    for path, d in _dicts(model, 'model'):
        roi = d.get('roi_head')
        if isinstance(roi, dict):
            for head in ('bbox_head', 'mask_head'):
                heads = roi.get(head)
                if isinstance(heads, dict):
                    yield heads, 'num_classes', \
                        f'{path}.roi_head.{head}.num_classes', 'thing'
                elif isinstance(heads, (list, tuple)):
                    for i, h in enumerate(heads):
                        if isinstance(h, dict):
                            yield h, 'num_classes', \
                                f'{path}.roi_head.{head}[{i}].num_classes', \
                                'thing'
        if 'num_things_classes' in d or 'num_stuff_classes' in d:
            yield d, 'num_things_classes', \
                f'{path}.num_things_classes', 'thing'
            yield d, 'num_stuff_classes', \
                f'{path}.num_stuff_classes', 'stuff'


def _set_dataset(ds: dict, data_root: str, split: dict,
                 metainfo: dict) -> None:
    cls = _registered(DATASETS, ds.get('type'))
    if not (isinstance(cls, type) and issubclass(cls, PanopticDataset)):
        ds['type'] = 'PanopticDataset'
    ds['data_root'] = data_root
    ds['ann_file'] = split['ann_file']
    ds['data_prefix'] = dict(img=split['img'], seg=split['seg'])
    ds['metainfo'] = dict(metainfo)


def _set_evaluator(ev: Any, data_root: str, split: dict) -> None:
    from mmdet.evaluation import CocoPanopticMetric
    from mmada.evaluation import PanopticMetric
    items = ev if isinstance(ev, (list, tuple)) else [ev]
    for m in items:
        if not isinstance(m, dict):
            continue
        if 'metrics' in m:  # dict(type='Evaluator', metrics=...)
            _set_evaluator(m['metrics'], data_root, split)
            continue
        cls = _registered(METRICS, m.get('type'))
        if not (isinstance(cls, type) and issubclass(cls, CocoPanopticMetric)):
            continue
        if not issubclass(cls, PanopticMetric):
            m['type'] = 'PanopticMetric'
        m['ann_file'] = osp.join(data_root, split['ann_file'])
        m['seg_prefix'] = osp.join(data_root, split['seg']) \
            if split['seg'] else None


def apply_panoptic_data(cfg: Any) -> Any:
    """Apply the config's ``panoptic_data`` everywhere it belongs.

    Without ``panoptic_data`` this only runs :func:`check_num_classes`.

    Args:
        cfg (Config | dict): The loaded config (mutated).

    Returns:
        Config | dict: ``cfg``.

    Raises:
        ValueError: Unknown or missing keys, thing/stuff classes given
            alone, or (from :func:`check_num_classes`) inconsistent counts.
        FileNotFoundError: Classes omitted and no annotation file to read.
    """
    pd = cfg.get('panoptic_data', None)
    if pd is None:
        check_num_classes(cfg)
        return cfg
    if not isinstance(pd, dict):
        raise TypeError('panoptic_data must be a dict, got '
                        f'{type(pd).__name__}')
    unknown = sorted(set(pd) - set(ALLOWED_KEYS))
    if unknown:
        raise ValueError(f'panoptic_data: unknown key(s) {unknown}; allowed '
                         f'keys: {list(ALLOWED_KEYS)}')
    data_root = pd.get('data_root')
    if not isinstance(data_root, str) or not data_root:
        raise ValueError('panoptic_data.data_root is required (a directory)')
    splits = dict(train=_split(pd, 'train', True), val=_split(pd, 'val', True))
    splits['test'] = _split(pd, 'test', False) or splits['val']

    synthetic = pd.get('synthetic')
    if synthetic is not None:
        ensure_synthetic_panoptic(data_root, **dict(synthetic))
    things, stuff = _classes(pd, data_root, splits)
    metainfo = dict(
        classes=things + stuff, thing_classes=things, stuff_classes=stuff)

    for split, key in _LOADERS:
        loader = cfg.get(key, None)
        if not isinstance(loader, dict) or 'dataset' not in loader:
            continue
        ds, where = _leaf_dataset(loader['dataset'], f'{key}.dataset')
        if ds is None:
            raise ValueError(f'panoptic_data: {where} combines several '
                             'datasets; panoptic_data describes one dataset '
                             'per split')
        _set_dataset(ds, data_root, splits[split], metainfo)
    for split, key in _EVALUATORS:
        if cfg.get(key, None) is not None:
            _set_evaluator(cfg[key], data_root, splits[split])
    counts = dict(thing=len(things), stuff=len(stuff))
    for d, key, _, kind in _head_counts(cfg.get('model', None) or {}):
        d[key] = counts[kind]
    check_num_classes(cfg)
    return cfg


def _dataset_classes(ds: dict) -> Optional[Tuple[tuple, tuple, str]]:
    """(things, stuff, source) of a dataset config, if it can be known."""
    meta = ds.get('metainfo') or {}
    if meta.get('thing_classes') is not None and \
            meta.get('stuff_classes') is not None:
        return (tuple(meta['thing_classes']), tuple(meta['stuff_classes']),
                'its metainfo')
    cls = _registered(DATASETS, ds.get('type'))
    class_meta = getattr(cls, 'METAINFO', None) or {}
    if 'thing_classes' in class_meta and 'stuff_classes' in class_meta \
            and not meta:
        return (tuple(class_meta['thing_classes']),
                tuple(class_meta['stuff_classes']), f'{cls.__name__}.METAINFO')
    return None


def check_num_classes(cfg: Any) -> None:
    """Check that the heads' class counts match the datasets' classes.

    Looks at each dataloader's dataset (through wrappers) whose thing/stuff
    classes are known (metainfo, or the dataset class's ``METAINFO``) and at
    the counts listed in :func:`apply_panoptic_data`.

    Args:
        cfg (Config | dict): The config.

    Raises:
        ValueError: Naming the config key, its value and the expected one.
    """
    model = cfg.get('model', None)
    if not isinstance(model, dict):
        return
    heads: List[Tuple[dict, str, str, str]] = list(_head_counts(model))
    for _, key in _LOADERS:
        loader = cfg.get(key, None)
        if not isinstance(loader, dict) or 'dataset' not in loader:
            continue
        ds, where = _leaf_dataset(loader['dataset'], f'{key}.dataset')
        known = _dataset_classes(ds) if ds is not None else None
        if known is None:
            continue
        things, stuff, source = known
        expected = dict(thing=len(things), stuff=len(stuff))
        for d, k, path, kind in heads:
            if k in d and d[k] != expected[kind]:
                raise ValueError(
                    f'{path} is {d[k]} but {where} has {expected[kind]} '
                    f'{kind} classes ({source}): set it to {expected[kind]}, '
                    'or describe the dataset with panoptic_data')


__all__ = ['apply_panoptic_data', 'check_num_classes', 'ALLOWED_KEYS']
