"""Proxy train/val splits: deterministic, disjoint, complete; clear errors.
"""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from mmada.datasets.proxy_split import (default_proxy_paths,
                                        load_panoptic_json, make_proxy_split,
                                        read_categories)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _fake(path, ids, string_ids=False):
    """A COCO panoptic JSON with the given image ids (in this order)."""
    ids = [f'ADE_train_{i:08d}' if string_ids else i for i in ids]
    data = dict(
        info=dict(description='fake'),
        images=[
            dict(id=i, file_name=f'{i}.jpg', width=4, height=4) for i in ids
        ],
        annotations=[
            dict(
                image_id=i,
                file_name=f'{i}.png',
                segments_info=[
                    dict(
                        id=1,
                        category_id=7,
                        iscrowd=0,
                        bbox=[0, 0, 1, 1],
                        area=1)
                ]) for i in ids
        ],
        categories=[dict(id=7, name='a', isthing=1)])
    with open(path, 'w') as f:
        json.dump(data, f)
    return data


def _split(tmp_path, src, num_val, seed=0, tag=''):
    out_t = str(tmp_path / f'train{tag}.json')
    out_v = str(tmp_path / f'val{tag}.json')
    n = make_proxy_split(src, out_t, out_v, num_val=num_val, seed=seed)
    with open(out_t) as ft, open(out_v) as fv:
        return n, json.load(ft), json.load(fv), out_t, out_v


def test_split_is_deterministic_disjoint_and_complete(tmp_path):
    src = str(tmp_path / 'src.json')
    ids = list(np.random.RandomState(5).permutation(np.arange(100, 150)))
    data = _fake(src, [int(i) for i in ids])
    n, train, val, t1, v1 = _split(tmp_path, src, 10)
    assert n == (40, 10)
    t_ids = [im['id'] for im in train['images']]
    v_ids = [im['id'] for im in val['images']]
    assert len(v_ids) == 10 and len(t_ids) == 40
    assert not set(t_ids) & set(v_ids)
    assert set(t_ids) | set(v_ids) == {im['id'] for im in data['images']}
    # the documented rule: sorted ids, RandomState(seed) permutation
    sorted_ids = sorted(im['id'] for im in data['images'])
    perm = np.random.RandomState(0).permutation(len(sorted_ids))
    assert set(v_ids) == {sorted_ids[i] for i in perm[:10]}
    # annotations follow their images; source order kept; rest copied
    for part in (train, val):
        assert [a['image_id'] for a in part['annotations']] == \
            [im['id'] for im in part['images']]
        assert part['categories'] == data['categories']
        assert part['info'] == data['info']
    assert [i for i in ids if i in set(v_ids)] == v_ids
    assert val['proxy_split'] == dict(
        source='src.json', part='val', num_val=10, seed=0)
    # same call, same bytes; another seed, another split
    _, _, _, t2, v2 = _split(tmp_path, src, 10, tag='again')
    for a, b in ((t1, t2), (v1, v2)):
        with open(a, 'rb') as fa, open(b, 'rb') as fb:
            assert fa.read() == fb.read()
    _, _, val3, _, _ = _split(tmp_path, src, 10, seed=1, tag='s1')
    assert {im['id'] for im in val3['images']} != set(v_ids)


def test_string_image_ids(tmp_path):
    # ADE20K's converter uses file stems as image ids
    src = str(tmp_path / 'ade.json')
    _fake(src, range(20), string_ids=True)
    n, train, val, _, _ = _split(tmp_path, src, 5)
    assert n == (15, 5)
    assert all(isinstance(im['id'], str) for im in val['images'])


def test_synthetic_proxy_files(synth_root):
    ann = osp.join(synth_root, 'annotations')
    full = load_panoptic_json(osp.join(ann, 'panoptic_train.json'))
    pt = load_panoptic_json(osp.join(ann, 'panoptic_proxy_train.json'))
    pv = load_panoptic_json(osp.join(ann, 'panoptic_proxy_val.json'))
    assert len(pv['images']) == 4 and len(pt['images']) == 8
    assert sorted(
        pt['images'] + pv['images'], key=lambda im: im['id']) == full['images']


def test_errors(tmp_path):
    src = str(tmp_path / 'src.json')
    _fake(src, range(5))
    out_t, out_v = str(tmp_path / 't.json'), str(tmp_path / 'v.json')
    missing = str(tmp_path / 'nope.json')
    with pytest.raises(FileNotFoundError, match='nope.json'):
        make_proxy_split(missing, out_t, out_v, num_val=1)
    bad = tmp_path / 'bad.json'
    bad.write_text('{"images": [')
    with pytest.raises(ValueError, match=r'bad\.json: malformed JSON'):
        make_proxy_split(str(bad), out_t, out_v, num_val=1)
    not_panoptic = tmp_path / 'list.json'
    not_panoptic.write_text('{"images": []}')
    with pytest.raises(ValueError, match="list.json: not a COCO panoptic"):
        make_proxy_split(str(not_panoptic), out_t, out_v, num_val=1)
    for num_val in (5, 6, 0):
        with pytest.raises(ValueError, match=r'num_val must be in \[1, 5\)'):
            make_proxy_split(src, out_t, out_v, num_val=num_val)
    with pytest.raises(ValueError, match='different files'):
        make_proxy_split(src, src, out_v, num_val=1)
    assert not osp.exists(out_t) and not osp.exists(out_v)


def test_default_paths_and_read_categories(tmp_path):
    assert default_proxy_paths(
        'data/coco/annotations/panoptic_train2017.json') == (
            'data/coco/annotations/panoptic_proxy_train2017.json',
            'data/coco/annotations/panoptic_proxy_val2017.json')
    assert default_proxy_paths('d/ade20k_panoptic_train.json') == (
        'd/ade20k_panoptic_proxy_train.json',
        'd/ade20k_panoptic_proxy_val.json')
    assert default_proxy_paths('d/mine.json') == ('d/mine_proxy_train.json',
                                                  'd/mine_proxy_val.json')
    src = str(tmp_path / 'src.json')
    data = _fake(src, range(3))
    assert read_categories(src) == data['categories']
    # categories first, and a file name containing "categories"
    data['images'][0]['file_name'] = '"categories".jpg'
    # ... and a later nested "categories" key that is not the list
    first = dict(
        categories=data['categories'],
        images=data['images'],
        annotations=data['annotations'],
        info=dict(categories='see above'))
    with open(src, 'w') as f:
        json.dump(first, f)
    assert read_categories(src) == data['categories']


@pytest.mark.e2e
def test_cli(tmp_path):
    src = str(tmp_path / 'panoptic_train2017.json')
    _fake(src, range(30))
    tool = osp.join(REPO, 'tools', 'misc', 'make_proxy_split.py')
    res = subprocess.run([sys.executable, tool, src, '--num-val', '7'],
                         capture_output=True,
                         text=True,
                         cwd=REPO)
    assert res.returncode == 0, res.stderr
    with open(tmp_path / 'panoptic_proxy_val2017.json') as f:
        assert len(json.load(f)['images']) == 7
    with open(tmp_path / 'panoptic_proxy_train2017.json') as f:
        assert len(json.load(f)['images']) == 23
    res = subprocess.run([sys.executable, tool, src, '--preset', 'ade20k'],
                         capture_output=True,
                         text=True,
                         cwd=REPO)
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == [
        f'error: num_val must be in [1, 30) for {src} (30 images), got 2000'
    ]
