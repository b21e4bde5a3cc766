"""PanopticDataset + StrictLoadPanopticAnnotations on generated data.

The key test builds the dataset on a JSON listing its categories stuff first
with shuffled ids and checks that every label is the one of the things-first
file, while mmdet's CocoPanopticDataset gets them wrong on the same file.
"""
import json
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

import mmada  # noqa: F401  (registers everything)
from mmada.datasets import PanopticDataset
from mmada.datasets.synthetic import (STUFF_CLASSES, THING_CLASSES,
                                      generate_synthetic_panoptic)
from mmdet.datasets import CocoPanopticDataset
from mmdet.registry import DATASETS

init_default_scope('mmdet')

METAINFO = dict(
    classes=THING_CLASSES + STUFF_CLASSES,
    thing_classes=THING_CLASSES,
    stuff_classes=STUFF_CLASSES)

NUM_THINGS = len(THING_CLASSES)
PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='StrictLoadPanopticAnnotations'),
    dict(type='PackDetInputs')
]


def _build(root,
           ann_file,
           type='PanopticDataset',
           metainfo=METAINFO,
           **kwargs):
    cfg = dict(
        type=type,
        data_root=root,
        ann_file=ann_file,
        data_prefix=dict(img='train/', seg='annotations/panoptic_train/'),
        pipeline=PIPELINE,
        **kwargs)
    if metainfo is not None:
        cfg['metainfo'] = metainfo
    return DATASETS.build(cfg)


def _png_ids(path):
    rgb = cv2.imread(path)[..., ::-1].astype(np.int64)
    return rgb[..., 0] + 256 * rgb[..., 1] + 65536 * rgb[..., 2]


def _labels_by_segment(ds):
    """{(img_id, segment id): label} over the whole dataset."""
    return {
        (d['img_id'], s['id']): s['category']
        for d in (ds.get_data_info(i) for i in range(len(ds)))
        for s in d['segments_info']
    }


def _copy(root, tmp_path):
    dst = str(tmp_path / 'copy')
    shutil.copytree(root, dst)
    return dst


def _edit_json(path, fn):
    with open(path) as f:
        data = json.load(f)
    fn(data)
    with open(path, 'w') as f:
        json.dump(data, f)


def test_getitem_labels_match_pngs(synth_root):
    ds = _build(synth_root, 'annotations/panoptic_train.json')
    assert isinstance(ds, PanopticDataset) and len(ds) == 12
    assert ds.metainfo['classes'] == THING_CLASSES + STUFF_CLASSES
    with open(osp.join(synth_root, 'annotations', 'panoptic_train.json')) as f:
        data = json.load(f)
    names = {c['id']: c['name'] for c in data['categories']}
    anns = {a['image_id']: a for a in data['annotations']}
    classes = ds.metainfo['classes']
    for idx in (0, 5):
        out = ds[idx]
        sample = out['data_samples']
        info = ds.get_data_info(idx)
        ids = _png_ids(info['seg_map_path'])
        segs = anns[info['img_id']]['segments_info']
        expected_sem = np.full(ids.shape, 255)
        thing_labels = []
        for s in segs:
            label = classes.index(names[s['category_id']])
            expected_sem[ids == s['id']] = label
            if label < NUM_THINGS:
                thing_labels.append(label)
        labels = sample.gt_instances.labels.numpy()
        assert labels.tolist() == thing_labels
        assert ((0 <= labels) & (labels < NUM_THINGS)).all()
        sem = sample.gt_sem_seg.sem_seg.numpy()[0]
        np.testing.assert_array_equal(sem, expected_sem)
        masks = sample.gt_instances.masks.masks
        assert len(masks) == len(labels)
        for mask, label in zip(masks, labels):
            assert (sem[mask.astype(bool)] == label).all()
        assert out['inputs'].shape[1:] == ids.shape


def test_classes_default_to_the_json(synth_root):
    ds = _build(synth_root, 'annotations/panoptic_train.json', metainfo=None)
    assert ds.metainfo['thing_classes'] == THING_CLASSES
    assert ds.metainfo['stuff_classes'] == STUFF_CLASSES
    assert len(ds.metainfo['palette']) == len(THING_CLASSES + STUFF_CLASSES)
    # classes alone: split by the JSON's isthing
    ds = _build(
        synth_root,
        'annotations/panoptic_train.json',
        metainfo=dict(classes=METAINFO['classes']))
    assert ds.metainfo['thing_classes'] == THING_CLASSES


def test_stuff_first_json_gives_the_same_labels(synth_root, stuff_first_ann):
    ref = _build(synth_root, 'annotations/panoptic_train.json')
    ours = _build(synth_root, stuff_first_ann)
    expected = _labels_by_segment(ref)
    assert _labels_by_segment(ours) == expected
    for idx in range(3):
        a, b = ref[idx]['data_samples'], ours[idx]['data_samples']
        assert a.gt_instances.labels.tolist() == \
            b.gt_instances.labels.tolist()
        assert (a.gt_sem_seg.sem_seg == b.gt_sem_seg.sem_seg).all()
    # without metainfo the classes come from the stuff-first JSON: the
    # labels are still things first
    derived = _build(synth_root, stuff_first_ann, metainfo=None)
    assert set(derived.metainfo['thing_classes']) == set(THING_CLASSES)
    for d in (derived.get_data_info(i) for i in range(len(derived))):
        for s in d['segments_info']:
            assert (s['category'] < NUM_THINGS) == s['is_thing']
    # plain mmdet, same metainfo, same file: wrong labels
    plain = _build(synth_root, stuff_first_ann, type='CocoPanopticDataset')
    assert type(plain) is CocoPanopticDataset
    wrong = _labels_by_segment(plain)
    assert wrong.keys() == expected.keys()
    assert sum(wrong[k] != v for k, v in expected.items()) > len(expected) / 2


def test_unknown_json_category_is_void(synth_root, tmp_path):
    # a metainfo subset: the other classes' segments are void, not errors
    meta = dict(thing_classes=THING_CLASSES[:4], stuff_classes=STUFF_CLASSES)
    with pytest.warns(UserWarning, match='not in the metainfo'):
        ds = _build(
            synth_root, 'annotations/panoptic_train.json', metainfo=meta)
    for idx in range(len(ds)):
        out = ds[idx]['data_samples']
        assert (out.gt_instances.labels < 4).all()
        sem = out.gt_sem_seg.sem_seg
        assert ((sem < 4 + len(STUFF_CLASSES)) | (sem == 255)).all()


def test_crowd_masks_stay_aligned_with_boxes(synth_root, tmp_path):
    root = _copy(synth_root, tmp_path)
    ann = osp.join(root, 'annotations', 'panoptic_train.json')
    with open(ann) as f:
        data = json.load(f)
    things = {c['id'] for c in data['categories'] if c['isthing']}
    segs = [
        s for s in data['annotations'][0]['segments_info']
        if s['category_id'] in things
    ]
    assert len(segs) >= 2
    crowd_id = segs[0]['id']

    def set_crowd(d):
        for s in d['annotations'][0]['segments_info']:
            if s['id'] == crowd_id:
                s['iscrowd'] = 1

    _edit_json(ann, set_crowd)
    ds = _build(root, 'annotations/panoptic_train.json')
    sample = ds[0]['data_samples']
    ids = _png_ids(ds.get_data_info(0)['seg_map_path'])
    assert len(sample.ignored_instances) == 1
    np.testing.assert_array_equal(sample.ignored_instances.masks.masks[0],
                                  ids == crowd_id)
    for mask, box in zip(sample.gt_instances.masks.masks,
                         sample.gt_instances.bboxes.numpy()):
        ys, xs = np.nonzero(mask)
        np.testing.assert_allclose(
            [xs.min(), ys.min(),
             xs.max() + 1, ys.max() + 1], box)


def test_metainfo_errors(synth_root):
    ann = 'annotations/panoptic_train.json'
    with pytest.raises(ValueError, match=r"'blob'.*not among"):
        _build(
            synth_root,
            ann,
            metainfo=dict(
                thing_classes=THING_CLASSES + ('blob', ),
                stuff_classes=STUFF_CLASSES))
    with pytest.raises(
            ValueError,
            match="class 'sky' is in thing_classes but has "
            'isthing=0 in the annotation file'):
        _build(
            synth_root,
            ann,
            metainfo=dict(
                thing_classes=THING_CLASSES + ('sky', ),
                stuff_classes=STUFF_CLASSES[1:]))
    with pytest.raises(ValueError, match='things first'):
        _build(
            synth_root,
            ann,
            metainfo=dict(
                classes=STUFF_CLASSES + THING_CLASSES,
                thing_classes=THING_CLASSES,
                stuff_classes=STUFF_CLASSES))
    with pytest.raises(ValueError, match='things first'):
        _build(
            synth_root,
            ann,
            metainfo=dict(classes=STUFF_CLASSES + THING_CLASSES))
    with pytest.raises(ValueError, match='both thing_classes'):
        _build(synth_root, ann, metainfo=dict(thing_classes=THING_CLASSES))
    with pytest.raises(ValueError, match='duplicate'):
        _build(
            synth_root,
            ann,
            metainfo=dict(
                thing_classes=THING_CLASSES + ('circle', ),
                stuff_classes=STUFF_CLASSES))


def test_makes_its_synthetic_data_and_proxy_split(tmp_path):
    """``synthetic=`` generates the data under data_root on first use (and
    refuses data made with other options); ``proxy_split=`` splits a
    training file when the proxy file is missing."""
    root = str(tmp_path / 'synth')
    opts = dict(num_train=4, num_val=1, num_proxy_val=1)
    ds = _build(root, 'annotations/panoptic_proxy_train.json', synthetic=opts)
    assert len(ds) == 3
    assert ds.metainfo['ann_file'] == osp.join(
        root, 'annotations/panoptic_proxy_train.json')
    assert ds.metainfo['seg_prefix'] == osp.join(
        root, 'annotations/panoptic_train/')
    with pytest.raises(ValueError, match='other arguments'):
        _build(root, 'annotations/panoptic_val.json',
               synthetic=dict(opts, seed=1))
    shutil.copy(osp.join(root, 'annotations/panoptic_train.json'),
                osp.join(root, 'annotations/mine.json'))
    split = dict(source='annotations/mine.json', num_val=2)
    ds = _build(root, 'annotations/mine_proxy_val.json', proxy_split=split)
    ds2 = _build(root, 'annotations/mine_proxy_val.json',
                 proxy_split=dict(split, num_val=3))  # exists: not remade
    assert len(ds) == len(ds2) == 2
    assert len(_build(root, 'annotations/mine_proxy_train.json')) == 2
    with pytest.raises(ValueError, match='not one of the split files'):
        _build(root, 'annotations/other.json', proxy_split=split)
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['seeds'\]"):
        _build(root, 'annotations/other.json',
               proxy_split=dict(split, seeds=1))


def test_file_errors(tmp_path):
    root = generate_synthetic_panoptic(
        str(tmp_path / 'd'), num_train=4, num_val=1, num_proxy_val=1)
    ann = osp.join(root, 'annotations', 'panoptic_train.json')
    rel = 'annotations/panoptic_train.json'

    with pytest.raises(FileNotFoundError, match='missing.json'):
        _build(root, 'annotations/missing.json')

    bad = osp.join(root, 'annotations', 'bad.json')
    with open(bad, 'w') as f:
        f.write('{"images": [1,')
    with pytest.raises(ValueError, match=r'bad\.json: malformed JSON'):
        _build(root, 'annotations/bad.json')

    with open(ann) as f:
        good = f.read()

    def unknown_category(d):
        d['annotations'][1]['segments_info'][0]['category_id'] = 999

    _edit_json(ann, unknown_category)
    with pytest.raises(
            ValueError,
            match=r'panoptic_train\.json: a segment of image 2 '
            r'has category_id 999'):
        _build(root, rel)

    with open(ann, 'w') as f:
        f.write(good)
    os.remove(osp.join(root, 'train', '000000000003.jpg'))
    with pytest.raises(
            FileNotFoundError,
            match=r'1 of 4 images listed in .*panoptic_train\.json'
            r' are missing, e\.g\. .*000000000003\.jpg'):
        _build(root, rel)
    _build(root, rel, check_files=False)  # opt out


def test_png_errors(tmp_path):
    root = generate_synthetic_panoptic(
        str(tmp_path / 'd'), num_train=4, num_val=1, num_proxy_val=1)
    ann = osp.join(root, 'annotations', 'panoptic_train.json')
    rel = 'annotations/panoptic_train.json'
    with open(ann) as f:
        dropped = json.load(f)['annotations'][0]['segments_info'][-1]['id']

    def drop_segment(d):
        d['annotations'][0]['segments_info'].pop()

    _edit_json(ann, drop_segment)
    ds = _build(root, rel)
    with pytest.raises(
            ValueError,
            match=rf'000000000001\.png: segment id\(s\) '
            rf'\[{dropped}\] in the PNG are not in the '
            'segments_info of image 1'):
        ds[0]
    # mmdet's loader silently makes it "ignore"
    plain = _build(root, rel)
    plain.pipeline = Compose([
        dict(type='LoadImageFromFile'),
        dict(type='LoadPanopticAnnotations'),
        dict(type='PackDetInputs')
    ])
    assert (plain[0]['data_samples'].gt_sem_seg.sem_seg == 255).any()

    assert ds[1] is not None
    png = osp.join(root, 'annotations', 'panoptic_train', '000000000002.png')
    with open(png, 'wb') as f:
        f.write(b'not a png')
    with pytest.raises(ValueError, match=r'000000000002\.png: cannot decode'):
        ds[1]
    os.remove(png)
    with pytest.raises(
            FileNotFoundError,
            match=r'panoptic PNG not found: .*000000000002\.png'):
        ds[1]
    with pytest.raises(FileNotFoundError, match=r'1 of 4 PNGs listed'):
        _build(root, rel)


def _edited(tmp_path, fn):
    """A 4-image dataset whose train JSON was edited by ``fn``: (root,
    relative ann_file)."""
    root = generate_synthetic_panoptic(
        str(tmp_path / 'd'), num_train=4, num_val=1, num_proxy_val=1)
    _edit_json(osp.join(root, 'annotations', 'panoptic_train.json'), fn)
    return root, 'annotations/panoptic_train.json'


def _orphan(d):
    d['annotations'][1]['image_id'] = 77  # its image loses its labels


def _dup_id(d):
    d['images'][2]['id'] = d['images'][1]['id']


def _dup_name(d):
    d['images'][2]['file_name'] = d['images'][1]['file_name']


def _two_anns(d):
    d['annotations'][2]['image_id'] = d['annotations'][1]['image_id']


def _empty(d):
    d['images'], d['annotations'] = [], []


@pytest.mark.parametrize('edit, match', [
    (_orphan, r"panoptic_train\.json: annotation\(s\) for image_id\(s\) 77 "
     'not in images'),
    (_dup_id, r'panoptic_train\.json: duplicate image id\(s\) 2'),
    (_dup_name, r"panoptic_train\.json: duplicate image file_name\(s\) "
     r"'000000000002\.jpg'"),
    (_two_anns, r'panoptic_train\.json: image_id\(s\) 2 have more than one '
     'annotation'),
    (_empty, r'panoptic_train\.json: no images \(an empty split\)'),
], ids=['orphan', 'duplicate-id', 'duplicate-file', 'two-annotations',
        'empty'])
def test_inconsistent_json_is_refused(tmp_path, edit, match):
    root, rel = _edited(tmp_path, edit)
    with pytest.raises(ValueError, match=match):
        _build(root, rel)
    # the metric reads the same files through the same API
    from mmada.evaluation import PanopticMetric
    with pytest.raises(ValueError, match=match):
        PanopticMetric(ann_file=osp.join(root, rel))


def test_box_that_disagrees_with_the_png_is_taken_from_it(tmp_path):
    """A thing's JSON box 5 px off its PNG segment: the PNG's box is used
    (x1 y1 x2 y2 = min, min, max + 1, max + 1 of its pixels)."""
    moved = {}

    def shift_box(d):
        seg = next(s for s in d['annotations'][0]['segments_info']
                   if s['category_id'] in {
                       c['id'] for c in d['categories'] if c['isthing']})
        moved.update(id=seg['id'], bbox=list(seg['bbox']))
        seg['bbox'] = [seg['bbox'][0] + 5] + seg['bbox'][1:]

    root, rel = _edited(tmp_path, shift_box)
    ds = _build(root, rel)
    ids = _png_ids(osp.join(root, 'annotations', 'panoptic_train',
                            '000000000001.png'))
    ys, xs = np.nonzero(ids == moved['id'])
    expected = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
    x, y, w, h = moved['bbox']  # the generator's box agrees with its PNG
    assert np.abs(np.array([x, y, x + w, y + h]) - expected).max() <= 1
    k = [i['segment_id'] for i in ds.get_data_info(0)['instances']
         ].index(moved['id'])
    with pytest.warns(UserWarning, match='boxes are taken from the PNGs'):
        boxes = ds[0]['data_samples'].gt_instances.bboxes.tensor
    assert boxes[k].tolist() == pytest.approx(expected)


def test_thing_without_pixels_is_refused(tmp_path):
    def ghost(d):
        segs = d['annotations'][0]['segments_info']
        thing = next(s for s in segs if s['category_id'] in {
            c['id'] for c in d['categories'] if c['isthing']})
        segs.append(dict(thing, id=9999))  # in the JSON, not in the PNG

    root, rel = _edited(tmp_path, ghost)
    with pytest.raises(ValueError, match=r'000000000001\.png: segment 9999 '
                       'of image 1 is in segments_info but has no pixel'):
        _build(root, rel)[0]


def test_image_and_png_of_other_sizes_are_refused(tmp_path):
    root, rel = _edited(tmp_path, lambda d: None)
    img = osp.join(root, 'train', '000000000001.jpg')
    cv2.imwrite(img, cv2.imread(img)[:-4])
    with pytest.raises(ValueError, match=r'000000000001\.png: PNG is '
                       r'\d+x\d+ but the image is \d+x\d+'):
        _build(root, rel)[0]


def test_area_that_disagrees_with_the_png_changes_nothing(tmp_path):
    """Training takes masks, labels and boxes from the PNG and the JSON's
    boxes; PQ recomputes areas from the PNGs: a wrong (positive) ``area``
    is not used (only area <= 0 marks a segment ignored, mmdet's rule)."""
    def wrong_area(d):
        for s in d['annotations'][0]['segments_info']:
            s['area'] = s['area'] * 3 + 7

    good = _build(*_edited(tmp_path / 'a', lambda d: None))[0]
    bad = _build(*_edited(tmp_path / 'b', wrong_area))[0]
    for key in ('bboxes', 'labels', 'masks'):
        a, b = (getattr(x['data_samples'].gt_instances, key)
                for x in (good, bad))
        a = a.tensor if hasattr(a, 'tensor') else a
        b = b.tensor if hasattr(b, 'tensor') else b
        a = a.masks if hasattr(a, 'masks') else a
        b = b.masks if hasattr(b, 'masks') else b
        assert np.array_equal(np.asarray(a), np.asarray(b)), key
    assert (good['data_samples'].gt_sem_seg.sem_seg ==
            bad['data_samples'].gt_sem_seg.sem_seg).all()
