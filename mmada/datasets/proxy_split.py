"""Proxy train/val splits of a COCO panoptic training set.

Ada-Segment ("Proxy Dataset Setting") never looks at the real val split while
it adapts the loss weights: it holds out part of the training images as a
proxy val set (COCO: 10k of the 118k train2017 images; ADE20K: 2k of the
training images) and trains on the rest.

The split is deterministic: image ids are sorted, permuted with
``numpy.random.RandomState(seed)``, and the first ``num_val`` go to proxy
val. Both outputs keep the categories and every other top-level key of the
source file (images and annotations in the source order), get a
``proxy_split`` record, and are written atomically.
"""
import json
import os.path as osp
from typing import Any, Dict, List, Tuple

import numpy as np

from ..utils.io import atomic_write

#: ``--preset`` values of ``tools/misc/make_proxy_split.py`` (paper sizes).
PROXY_VAL_SIZES = dict(coco=10000, ade20k=2000)


def load_panoptic_json(path: str) -> Dict[str, Any]:
    """Load a COCO panoptic JSON with one-line errors that name the file.

    Args:
        path (str): The annotation file.

    Returns:
        dict: The parsed file (has ``images``, ``annotations`` and
        ``categories`` lists).

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: It is unreadable, not JSON, or lacks a required key.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'annotation file not found: {path}')
    try:
        with open(path, 'rb') as f:
            data = json.loads(f.read())
    except json.JSONDecodeError as e:
        raise ValueError(f'{path}: malformed JSON ({e})') from None
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f'{path}: cannot read annotation file ({e})') \
            from None
    if not isinstance(data, dict):
        raise ValueError(f'{path}: expected a JSON object at the top level, '
                         f'got {type(data).__name__}')
    for key in ('images', 'annotations', 'categories'):
        if not isinstance(data.get(key), list):
            raise ValueError(
                f"{path}: not a COCO panoptic file (no '{key}' list)")
    return data


def _valid_categories(cats: Any) -> bool:
    return isinstance(cats, list) and all(
        isinstance(c, dict) and 'id' in c and 'name' in c and 'isthing' in c
        for c in cats)


def read_categories(path: str) -> List[dict]:
    """The ``categories`` of a COCO panoptic JSON, cheaply.

    COCO and the mmdet ADE20K converter write ``categories`` last, so the
    list is decoded from its last ``"categories"`` key without parsing the
    (possibly 100s of MB of) images and annotations; anything unexpected
    falls back to :func:`load_panoptic_json` (which also validates).

    Args:
        path (str): The annotation file.

    Returns:
        list[dict]: The categories, in file order.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'annotation file not found: {path}')
    try:
        with open(path, 'rb') as f:
            raw = f.read()
        pos = raw.rfind(b'"categories"')
        colon = raw.find(b':', pos)
        if pos >= 0 and colon >= 0:
            text = raw[colon + 1:].decode('utf-8').lstrip()
            cats, _ = json.JSONDecoder().raw_decode(text)
            if _valid_categories(cats) and cats:
                return cats
    except (OSError, ValueError):
        pass
    cats = load_panoptic_json(path)['categories']
    if not _valid_categories(cats):
        raise ValueError(f'{path}: every category needs id, name and isthing')
    return cats


def default_proxy_paths(ann_file: str) -> Tuple[str, str]:
    """Default outputs next to ``ann_file``.

    ``panoptic_train2017.json`` -> ``panoptic_proxy_train2017.json`` and
    ``panoptic_proxy_val2017.json``; ``ade20k_panoptic_train.json`` ->
    ``ade20k_panoptic_proxy_{train,val}.json``; a name without ``train``
    gets ``_proxy_{train,val}`` appended.
    """
    folder, name = osp.split(ann_file)
    stem, ext = osp.splitext(name)
    pos = stem.rfind('train')
    if pos < 0:
        return (osp.join(folder, f'{stem}_proxy_train{ext}'),
                osp.join(folder, f'{stem}_proxy_val{ext}'))
    head, tail = stem[:pos], stem[pos + len('train'):]
    return (osp.join(folder, f'{head}proxy_train{tail}{ext}'),
            osp.join(folder, f'{head}proxy_val{tail}{ext}'))


def make_proxy_split(ann_file: str,
                     out_train: str,
                     out_val: str,
                     num_val: int,
                     seed: int = 0) -> Tuple[int, int]:
    """Split a COCO panoptic file into proxy train and proxy val files.

    Args:
        ann_file (str): Source COCO panoptic JSON (a training set).
        out_train (str): Output JSON of the proxy train images.
        out_val (str): Output JSON of the proxy val images.
        num_val (int): Number of proxy val images, in ``[1, #images)``.
        seed (int): Seed of the permutation. Defaults to 0.

    Returns:
        tuple[int, int]: Numbers of proxy train and proxy val images.
    """
    paths = {osp.abspath(p) for p in (ann_file, out_train, out_val)}
    if len(paths) != 3:
        raise ValueError('ann_file, out_train and out_val must be three '
                         f'different files, got {ann_file}, {out_train}, '
                         f'{out_val}')
    data = load_panoptic_json(ann_file)
    ids = [img['id'] for img in data['images']]
    if len(set(ids)) != len(ids):
        raise ValueError(f'{ann_file}: duplicate image ids')
    try:
        sorted_ids = sorted(ids)
    except TypeError:
        raise ValueError(f'{ann_file}: image ids of mixed types cannot be '
                         'sorted') from None
    num = len(sorted_ids)
    if not 1 <= num_val < num:
        raise ValueError(f'num_val must be in [1, {num}) for {ann_file} '
                         f'({num} images), got {num_val}')
    perm = np.random.RandomState(seed).permutation(num)
    val_ids = {sorted_ids[i] for i in perm[:num_val]}

    for part, out in (('train', out_train), ('val', out_val)):
        keep = (lambda i: i in val_ids) if part == 'val' else (
            lambda i: i not in val_ids)
        subset = {
            k: v
            for k, v in data.items() if k not in ('images', 'annotations')
        }
        subset['images'] = [im for im in data['images'] if keep(im['id'])]
        subset['annotations'] = [
            a for a in data['annotations'] if keep(a.get('image_id'))
        ]
        subset['proxy_split'] = dict(
            source=osp.basename(ann_file),
            part=part,
            num_val=num_val,
            seed=seed)
        with atomic_write(out, 'w') as f:
            json.dump(subset, f, separators=(',', ':'))
    return num - num_val, num_val


__all__ = [
    'make_proxy_split', 'default_proxy_paths', 'load_panoptic_json',
    'read_categories', 'PROXY_VAL_SIZES'
]
