"""The synthetic panoptic generator: format, content, determinism, atomicity.
"""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

from mmada.datasets.synthetic import (GENERATOR_VERSION, STUFF_CLASSES,
                                      THING_CLASSES, SyntheticOptions,
                                      dataset_summary,
                                      ensure_synthetic_panoptic,
                                      generate_synthetic_panoptic)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = dict(num_train=6, num_val=2, num_proxy_val=2)


def _load(root, name):
    with open(osp.join(root, 'annotations', f'panoptic_{name}.json')) as f:
        return json.load(f)


def _png_ids(root, split, file_name):
    png = cv2.imread(
        osp.join(root, 'annotations', f'panoptic_{split}', file_name))
    rgb = png[..., ::-1].astype(np.int64)
    return rgb[..., 0] + 256 * rgb[..., 1] + 65536 * rgb[..., 2]


def _files(root):
    return sorted(
        osp.relpath(p, root)
        for p in glob.glob(osp.join(root, '**', '*'), recursive=True)
        if osp.isfile(p))


def test_layout_and_categories(synth_root):
    for split, n in (('train', 12), ('val', 4), ('proxy_train', 8),
                     ('proxy_val', 4)):
        assert len(_load(synth_root, split)['images']) == n
    assert len(glob.glob(osp.join(synth_root, 'train', '*.jpg'))) == 12
    assert len(glob.glob(osp.join(synth_root, 'val', '*.jpg'))) == 4
    assert osp.isfile(osp.join(synth_root, 'train', '000000000001.jpg'))
    data = _load(synth_root, 'train')
    cats = data['categories']
    things = [c for c in cats if c['isthing']]
    stuff = [c for c in cats if not c['isthing']]
    assert len(things) >= 6 and len(stuff) >= 4
    assert cats == things + stuff  # things first
    assert tuple(c['name'] for c in things) == THING_CLASSES
    assert tuple(c['name'] for c in stuff) == STUFF_CLASSES
    ids = sorted(c['id'] for c in cats)
    assert ids != list(range(ids[0], ids[0] + len(ids)))  # non-contiguous
    for c in cats:
        assert set(c) == {'id', 'name', 'isthing', 'supercategory', 'color'}
    assert data['info']['version'] == GENERATOR_VERSION
    assert data['info']['generator_args']['seed'] == 3


def test_pngs_match_segments_info(synth_root):
    things_seen = 0
    for split in ('train', 'val'):
        data = _load(synth_root, split)
        cats = {c['id']: c for c in data['categories']}
        images = {im['id']: im for im in data['images']}
        for ann in data['annotations']:
            im = images[ann['image_id']]
            assert ann['file_name'] == im['file_name'].replace('.jpg', '.png')
            ids = _png_ids(synth_root, split, ann['file_name'])
            assert ids.shape == (im['height'], im['width'])
            img = cv2.imread(osp.join(synth_root, split, im['file_name']))
            assert img.shape[:2] == ids.shape
            assert (ids != 0).all()  # no void
            segs = {s['id']: s for s in ann['segments_info']}
            assert len(segs) == len(ann['segments_info'])
            assert set(np.unique(ids).tolist()) == set(segs)
            n_things = 0
            for seg_id, seg in segs.items():
                mask = ids == seg_id
                ys, xs = np.nonzero(mask)
                assert seg['area'] == int(mask.sum())
                assert seg['bbox'] == [
                    xs.min(),
                    ys.min(),
                    xs.max() - xs.min() + 1,
                    ys.max() - ys.min() + 1
                ]
                assert seg['iscrowd'] == 0
                assert seg['category_id'] in cats
                if cats[seg['category_id']]['isthing']:
                    n_things += 1
                    assert seg['area'] >= 12
            assert n_things <= 10
            things_seen += n_things
    assert things_seen >= 2 * 16 * 0.8  # ~2-10 per image


def test_content_is_varied_and_overlapping(tmp_path):
    root = generate_synthetic_panoptic(
        str(tmp_path / 'd'), num_train=40, num_val=1, num_proxy_val=4)
    data = _load(root, 'train')
    sizes = {(im['width'], im['height']) for im in data['images']}
    assert len(sizes) > 20
    assert all(96 <= w <= 160 and 96 <= h <= 160 for w, h in sizes)
    things = {c['id'] for c in data['categories'] if c['isthing']}
    extents, overlaps, stuff_per_image = [], 0, []
    per_class = {c['id']: 0 for c in data['categories']}
    for ann in data['annotations']:
        boxes = []
        n_stuff = 0
        for s in ann['segments_info']:
            per_class[s['category_id']] += 1
            if s['category_id'] in things:
                boxes.append(s['bbox'])
                extents.append(max(s['bbox'][2:]))
            else:
                n_stuff += 1
        stuff_per_image.append(n_stuff)
        for i, (x, y, w, h) in enumerate(boxes):
            for (x2, y2, w2, h2) in boxes[i + 1:]:
                if x < x2 + w2 and x2 < x + w and y < y2 + h2 and y2 < y + h:
                    overlaps += 1
    assert overlaps >= 10
    assert min(extents) <= 8 and max(extents) >= 35
    assert np.mean(np.asarray(extents) < 16) > 0.3  # many small things
    assert set(stuff_per_image) <= {1, 2, 3} and max(stuff_per_image) >= 3
    assert all(n > 0 for n in per_class.values())  # every class appears


def test_deterministic(tmp_path):
    a = generate_synthetic_panoptic(str(tmp_path / 'a'), **TINY)
    b = generate_synthetic_panoptic(str(tmp_path / 'b'), **TINY)
    files = _files(a)
    assert files == _files(b)
    assert len([f for f in files if f.endswith('.png')]) == 8
    for f in files:
        with open(osp.join(a, f), 'rb') as fa, open(osp.join(b, f),
                                                    'rb') as fb:
            assert fa.read() == fb.read(), f
    c = generate_synthetic_panoptic(str(tmp_path / 'c'), seed=1, **TINY)
    with open(osp.join(a, 'annotations', 'panoptic_train.json')) as fa, \
            open(osp.join(c, 'annotations', 'panoptic_train.json')) as fc:
        assert fa.read() != fc.read()


def test_difficulty_knob_changes_contrast(tmp_path):
    # same layout (same seeds), stronger thing/background contrast when easy
    easy = generate_synthetic_panoptic(
        str(tmp_path / 'easy'), difficulty=0.0, **TINY)
    hard = generate_synthetic_panoptic(
        str(tmp_path / 'hard'), difficulty=1.0, **TINY)
    assert _load(easy, 'train')['annotations'] == _load(hard,
                                                        'train')['annotations']

    def contrast(root):
        data = _load(root, 'train')
        things = {c['id'] for c in data['categories'] if c['isthing']}
        deltas = []
        for im, ann in zip(data['images'], data['annotations']):
            img = cv2.imread(osp.join(root, 'train', im['file_name']))
            lum = img.astype(np.float32).mean(axis=2)
            ids = _png_ids(root, 'train', ann['file_name'])
            for s in ann['segments_info']:
                if s['category_id'] in things and s['area'] >= 40:
                    mask = (ids == s['id']).astype(np.uint8)
                    ring = cv2.dilate(mask, np.ones((5, 5), np.uint8)) - mask
                    deltas.append(
                        abs(lum[mask > 0].mean() - lum[ring > 0].mean()))
        return np.median(deltas)

    assert contrast(easy) > 1.5 * contrast(hard)


def test_atomic_rename_keeps_existing_root(tmp_path):
    root = tmp_path / 'root'
    root.mkdir()
    (root / 'theirs.txt').write_text('keep me')
    assert generate_synthetic_panoptic(str(root),
                                       **TINY) == osp.normpath(str(root))
    assert os.listdir(root) == ['theirs.txt']
    assert (root / 'theirs.txt').read_text() == 'keep me'
    assert os.listdir(tmp_path) == ['root']  # no temporary left behind


def test_ensure(tmp_path):
    root = str(tmp_path / 'data' / 'synth')
    assert ensure_synthetic_panoptic(root, **TINY) == root
    marker = osp.join(root, 'annotations', 'panoptic_proxy_val.json')
    mtime = os.stat(marker).st_mtime_ns
    ensure_synthetic_panoptic(root, **TINY)  # already there: not remade
    assert os.stat(marker).st_mtime_ns == mtime
    with pytest.raises(ValueError, match='other arguments'):
        ensure_synthetic_panoptic(
            root, num_train=7, num_val=2, num_proxy_val=2)
    (tmp_path / 'partial').mkdir()
    (tmp_path / 'partial' / 'x').write_text('')
    with pytest.raises(ValueError, match='not a complete'):
        ensure_synthetic_panoptic(str(tmp_path / 'partial'), **TINY)


def test_every_option_reaches_the_files(tmp_path):
    # class_hue was dropped on the way to the renderer: the JSON recorded
    # the default, the images ignored it and ensure() then refused the root
    gray = dict(TINY, class_hue=0.0)
    root = ensure_synthetic_panoptic(str(tmp_path / 'gray'), **gray)
    args = _load(root, 'train')['info']['generator_args']
    assert args == SyntheticOptions(**gray).to_dict()
    assert args['class_hue'] == 0.0
    assert ensure_synthetic_panoptic(root, **gray) == root
    hued = generate_synthetic_panoptic(str(tmp_path / 'hued'), **TINY)
    img = osp.join('train', '000000000001.jpg')
    assert cv2.imread(osp.join(root, img)).tolist() != cv2.imread(
        osp.join(hued, img)).tolist()
    with pytest.raises(ValueError, match='other arguments'):
        ensure_synthetic_panoptic(root, **TINY)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match='num_proxy_val'):
        generate_synthetic_panoptic(
            str(tmp_path / 'x'), num_train=4, num_val=1, num_proxy_val=4)
    with pytest.raises(TypeError):
        generate_synthetic_panoptic(str(tmp_path / 'x'), num_images=3)
    with pytest.raises(ValueError, match='class_hue'):
        generate_synthetic_panoptic(str(tmp_path / 'x'), class_hue=-1)
    assert not osp.exists(tmp_path / 'x')


@pytest.mark.e2e
def test_cli(tmp_path):
    out = str(tmp_path / 'cli')
    cmd = [
        sys.executable,
        osp.join(REPO, 'tools', 'misc',
                 'make_synthetic_dataset.py'), '--out', out, '--num-train',
        '5', '--num-val', '2', '--num-proxy-val', '2', '--difficulty', '0.5'
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f'{out}: images train 5, val 2')
    assert 'circle' in res.stdout and 'sky' in res.stdout
    assert _load(out, 'train')['info']['generator_args']['difficulty'] == 0.5
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    assert res.returncode == 1 and 'exists' in res.stderr
    assert dataset_summary(out) in subprocess.run(
        cmd + ['--overwrite'], capture_output=True, text=True, cwd=REPO).stdout
