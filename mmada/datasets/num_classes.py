"""The heads' class counts against the datasets' classes.

mmdet's heads take their class counts from the config
(``roi_head.bbox_head.num_classes``, ``num_things_classes``, ...), which
must match the dataset's ``thing_classes``/``stuff_classes``; a wrong count
trains without complaint and gives PQ 0, or fails deep in a loss.
:func:`check_num_classes` (run by mmada's tools on every config) names the
key to fix; :func:`set_num_classes` sets every count of a model config.
"""
import os.path as osp
from typing import Any, Iterator, List, Optional, Tuple

from mmdet.registry import DATASETS
from .panoptic import PanopticDataset
from .proxy_split import read_categories
from .synthetic import DEFAULT_VARIANT, VARIANTS, synthetic_classes

_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _registered(type_: Any) -> Optional[type]:
    if isinstance(type_, type):
        return type_
    if isinstance(type_, str):
        return DATASETS.get(type_)
    return None


def _leaf_dataset(ds: Any, where: str) -> Tuple[Optional[dict], str]:
    """Follow ``dataset`` keys of wrappers down to the real dataset."""
    while isinstance(ds, dict):
        if 'datasets' in ds:
            return None, where  # ConcatDataset & co: several datasets
        cls = _registered(ds.get('type'))
        if 'dataset' not in ds or (isinstance(cls, type)
                                   and issubclass(cls, PanopticDataset)):
            return ds, where
        ds, where = ds['dataset'], f'{where}.dataset'
    return None, where


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


def set_num_classes(model: dict, num_things: int, num_stuff: int) -> dict:
    """Set every class count of a model config's heads (see
    :func:`check_num_classes` for the keys).

    Args:
        model (dict): The model config (mutated).
        num_things (int): Thing classes.
        num_stuff (int): Stuff classes.

    Returns:
        dict: ``model``.
    """
    counts = dict(thing=num_things, stuff=num_stuff)
    for d, key, _, kind in _head_counts(model):
        d[key] = counts[kind]
    return model


def _dataset_classes(ds: dict) -> Optional[Tuple[tuple, tuple, str]]:
    """(things, stuff, source) of a dataset config, if it can be known:
    its metainfo, the synthetic dataset's classes (of its ``variant``), the
    classes of its annotation file if it exists, or its class's
    ``METAINFO``."""
    meta = ds.get('metainfo') or {}
    if meta.get('thing_classes') is not None and \
            meta.get('stuff_classes') is not None:
        return (tuple(meta['thing_classes']), tuple(meta['stuff_classes']),
                'its metainfo')
    cls = _registered(ds.get('type'))
    if meta:
        return None
    if isinstance(cls, type) and issubclass(cls, PanopticDataset):
        synthetic = ds.get('synthetic')
        if synthetic is not None:
            variant = synthetic.get('variant', DEFAULT_VARIANT)
            if variant not in VARIANTS:
                return None  # the dataset will say so when built
            things, stuff = synthetic_classes(variant)
            return things, stuff, \
                f'the synthetic dataset, variant {variant!r}'
        ann_file = osp.join(ds.get('data_root') or '', ds.get('ann_file', ''))
        if not osp.isfile(ann_file):
            return None
        cats = read_categories(ann_file)
        return (tuple(c['name'] for c in cats if c['isthing']),
                tuple(c['name'] for c in cats if not c['isthing']), ann_file)
    class_meta = getattr(cls, 'METAINFO', None) or {}
    if 'thing_classes' in class_meta and 'stuff_classes' in class_meta:
        return (tuple(class_meta['thing_classes']),
                tuple(class_meta['stuff_classes']), f'{cls.__name__}.METAINFO')
    return None


def check_num_classes(cfg: Any) -> None:
    """Check that the heads' class counts match the datasets' classes.

    Looks at each dataloader's dataset (through wrappers) whose thing/stuff
    classes are known (see :func:`_dataset_classes`) and at the counts
    listed in :func:`_head_counts`.

    Args:
        cfg (Config | dict): The config.

    Raises:
        ValueError: Naming the config key, its value and the expected one.
    """
    model = cfg.get('model', None)
    if not isinstance(model, dict):
        return
    heads: List[Tuple[dict, str, str, str]] = list(_head_counts(model))
    for key in _LOADERS:
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
                    f'{kind} classes ({source}): set it to {expected[kind]}')


__all__ = ['check_num_classes', 'set_num_classes']
