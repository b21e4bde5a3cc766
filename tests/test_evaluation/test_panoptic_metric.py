"""PanopticMetric: ground truth fed as predictions scores PQ 100, whatever
the JSON's category order; mmdet's CocoPanopticMetric does not."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from category_edits import rewrite_categories

import mmada  # noqa: F401
from mmada.datasets.synthetic import STUFF_CLASSES, THING_CLASSES
from mmada.evaluation import PanopticMetric
from mmdet.evaluation import INSTANCE_OFFSET, CocoPanopticMetric
from mmdet.registry import METRICS

CLASSES = THING_CLASSES + STUFF_CLASSES
META = dict(
    classes=CLASSES, thing_classes=THING_CLASSES, stuff_classes=STUFF_CLASSES)


def _samples(root, num=5):
    """Data samples whose prediction is the ground truth, encoded as
    mmdet's fusion heads do: ``label + instance_id * INSTANCE_OFFSET`` for
    things, ``label`` for stuff, ``len(classes)`` for void."""
    ann_dir = osp.join(root, 'annotations')
    with open(osp.join(ann_dir, 'panoptic_train.json')) as f:
        data = json.load(f)
    names = {c['id']: c['name'] for c in data['categories']}
    samples = []
    for img, ann in list(zip(data['images'], data['annotations']))[:num]:
        seg_path = osp.join(ann_dir, 'panoptic_train', ann['file_name'])
        rgb = cv2.imread(seg_path)[..., ::-1].astype(np.int64)
        ids = rgb[..., 0] + 256 * rgb[..., 1] + 65536 * rgb[..., 2]
        pan = np.full(ids.shape, len(CLASSES), np.int64)
        segments_info = []
        for k, s in enumerate(ann['segments_info']):
            label = CLASSES.index(names[s['category_id']])
            is_thing = label < len(THING_CLASSES)
            pan[ids == s['id']] = label + (k + 1) * INSTANCE_OFFSET \
                if is_thing else label
            segments_info.append(
                dict(id=s['id'], category=label, is_thing=is_thing))
        samples.append(
            dict(
                img_id=img['id'],
                img_path=osp.join(root, 'train', img['file_name']),
                ori_shape=ids.shape,
                seg_map_path=seg_path,
                segments_info=segments_info,
                pred_panoptic_seg=dict(
                    sem_seg=torch.from_numpy(pan[None]).int())))
    return samples


def _evaluate(metric, samples):
    metric.dataset_meta = META
    for i in range(0, len(samples), 2):
        metric.process({}, samples[i:i + 2])
    return metric.evaluate(len(samples))


def _only(synth_root, tmp_path, src, n=5):
    """``src`` restricted to the first ``n`` images (the metric scores
    every image of its ann_file)."""
    with open(src) as f:
        data = json.load(f)
    keep = {im['id'] for im in data['images'][:n]}
    data['images'] = [im for im in data['images'] if im['id'] in keep]
    data['annotations'] = [
        a for a in data['annotations'] if a['image_id'] in keep
    ]
    out = str(tmp_path / osp.basename(src))
    with open(out, 'w') as f:
        json.dump(data, f)
    return out


@pytest.mark.parametrize('outfile', [False, True])
def test_pq_100_whatever_the_category_order(synth_root, stuff_first_ann,
                                            tmp_path, outfile):
    seg_prefix = osp.join(synth_root, 'annotations', 'panoptic_train')
    things_first = _only(
        synth_root, tmp_path,
        osp.join(synth_root, 'annotations', 'panoptic_train.json'))
    stuff_first = _only(synth_root, tmp_path, stuff_first_ann)
    samples = _samples(synth_root)
    kwargs = dict(seg_prefix=seg_prefix, nproc=1)
    for ann_file in (things_first, stuff_first):
        if outfile:
            kwargs['outfile_prefix'] = str(tmp_path / f'out{len(ann_file)}')
        metric = METRICS.build(
            dict(type='PanopticMetric', ann_file=ann_file, **kwargs))
        assert isinstance(metric, PanopticMetric)
        res = _evaluate(metric, samples)
        assert res['coco_panoptic/PQ'] == pytest.approx(100)
        assert res['coco_panoptic/PQ_th'] == pytest.approx(100)
        assert res['coco_panoptic/PQ_st'] == pytest.approx(100)
    plain = CocoPanopticMetric(ann_file=stuff_first, **kwargs)
    assert _evaluate(plain, samples)['coco_panoptic/PQ'] < 50


def test_without_ann_file(synth_root, tmp_path):
    samples = _samples(synth_root)
    seg_prefix = osp.join(synth_root, 'annotations', 'panoptic_train')
    # PQ per batch, from the samples' segments_info
    res = _evaluate(PanopticMetric(seg_prefix=seg_prefix, nproc=1), samples)
    assert res['coco_panoptic/PQ'] == pytest.approx(100)
    # converted ground truth; evaluating twice works (mmdet reuses the
    # first conversion and then looks for the PNGs in seg_prefix=None)
    metric = PanopticMetric(outfile_prefix=str(tmp_path / 'r'), nproc=1)
    for _ in range(2):
        res = _evaluate(metric, samples)
        assert res['coco_panoptic/PQ'] == pytest.approx(100)
    assert metric._coco_api is None


def test_follows_its_dataset(synth_root, tmp_path):
    """Without paths of its own the metric reads its dataset's files
    (which PanopticDataset names in its metainfo); a different ann_file
    given to the metric is an error, not a silent PQ 0."""
    ann_file = _only(
        synth_root, tmp_path,
        osp.join(synth_root, 'annotations', 'panoptic_train.json'))
    seg_prefix = osp.join(synth_root, 'annotations', 'panoptic_train')
    meta = dict(META, ann_file=ann_file, seg_prefix=seg_prefix)
    for kwargs in (dict(), dict(outfile_prefix=str(tmp_path / 'o'))):
        metric = PanopticMetric(nproc=1, **kwargs)
        metric.dataset_meta = meta
        assert metric.ann_file == ann_file
        assert metric.seg_prefix == seg_prefix
        for i in range(0, 5, 2):
            metric.process({}, _samples(synth_root)[i:i + 2])
        res = metric.evaluate(5)
        assert res['coco_panoptic/PQ'] == pytest.approx(100)
    metric = PanopticMetric(ann_file=ann_file)
    metric.dataset_meta = meta  # the same file: fine
    other = PanopticMetric(
        ann_file=osp.join(synth_root, 'annotations', 'panoptic_val.json'))
    with pytest.raises(ValueError, match="is not its dataset's"):
        other.dataset_meta = meta


def test_classwise_and_format_only(synth_root, tmp_path):
    samples = _samples(synth_root, num=3)
    ann = _only(
        synth_root,
        tmp_path,
        osp.join(synth_root, 'annotations', 'panoptic_train.json'),
        n=3)
    seg_prefix = osp.join(synth_root, 'annotations', 'panoptic_train')
    res = _evaluate(
        PanopticMetric(
            ann_file=ann, seg_prefix=seg_prefix, classwise=True, nproc=1),
        samples)
    assert res['coco_panoptic/PQ'] == pytest.approx(100)
    prefix = str(tmp_path / 'fmt')
    metric = PanopticMetric(
        ann_file=ann,
        seg_prefix=seg_prefix,
        format_only=True,
        outfile_prefix=prefix,
        nproc=1)
    assert _evaluate(metric, samples) == {}
    with open(f'{prefix}.panoptic.json') as f:
        pred = json.load(f)
    with open(ann) as f:
        gt = json.load(f)
    gt_cats = {
        (a['image_id'], s['id']): s['category_id']
        for a in gt['annotations']
        for s in a['segments_info']
    }
    # the dumped predictions carry the file's category ids
    cats = {c['id'] for c in gt['categories']}
    for a in pred['annotations']:
        assert all(s['category_id'] in cats for s in a['segments_info'])
    assert sorted(s['category_id'] for a in pred['annotations']
                  for s in a['segments_info']) == sorted(gt_cats.values())


def _interleaved(src, dst):
    """``src`` with stuff and things interleaved and non-contiguous ids
    (10, 17, 24, ... in the new listing order)."""

    def interleave(cats):
        things = [c for c in cats if c['isthing']]
        stuff = [c for c in cats if not c['isthing']]
        mixed = [c for pair in zip(stuff, things) for c in pair]
        mixed += things[len(stuff):] + stuff[len(things):]
        return mixed, {c['id']: 10 + 7 * k for k, c in enumerate(mixed)}

    rewrite_categories(src, dst, interleave)
    return dst


@pytest.mark.parametrize('outfile', [False, True])
def test_classwise_rows_are_named_right(synth_root, tmp_path, monkeypatch,
                                        outfile):
    """Perfect predictions except every segment of one class, left out
    (void): that class's row, found by name, has PQ 0, every other class
    present has PQ 100."""
    ann = _interleaved(
        _only(synth_root, tmp_path,
              osp.join(synth_root, 'annotations', 'panoptic_train.json')),
        str(tmp_path / 'interleaved.json'))
    samples = _samples(synth_root)
    present = {CLASSES[s['category']] for x in samples
               for s in x['segments_info']}
    left_out = next(c for c in STUFF_CLASSES if c in present)
    label = CLASSES.index(left_out)
    for x in samples:
        pan = x['pred_panoptic_seg']['sem_seg']
        pan[pan == label] = len(CLASSES)  # void
    rows = {}
    from mmdet.evaluation.metrics import coco_panoptic_metric
    monkeypatch.setattr(coco_panoptic_metric, 'print_panoptic_table',
                        lambda pq, classwise, logger=None: rows.update(
                            classwise))
    kwargs = dict(outfile_prefix=str(tmp_path / 'out')) if outfile else {}
    metric = PanopticMetric(
        ann_file=ann,
        seg_prefix=osp.join(synth_root, 'annotations', 'panoptic_train'),
        classwise=True,
        nproc=1,
        **kwargs)
    res = _evaluate(metric, samples)
    assert res['coco_panoptic/PQ'] < 100
    assert set(rows) == set(CLASSES)
    assert rows[left_out]['pq'] == 0
    for name in present - {left_out}:
        assert rows[name]['pq'] == pytest.approx(1.0), name


def test_errors(synth_root, tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.json'):
        PanopticMetric(ann_file=str(tmp_path / 'nope.json'))
    bad = tmp_path / 'bad.json'
    bad.write_text('[')
    with pytest.raises(ValueError, match=r'bad\.json: malformed JSON'):
        PanopticMetric(ann_file=str(bad))
    metric = PanopticMetric(
        ann_file=osp.join(synth_root, 'annotations', 'panoptic_train.json'),
        seg_prefix=osp.join(synth_root, 'annotations', 'panoptic_train'))
    metric.dataset_meta = dict(META, classes=CLASSES[:-1] + ('lava', ))
    with pytest.raises(ValueError, match=r"'lava'.*not among"):
        metric.process({}, _samples(synth_root, num=1))


def test_bootstrap_pq_se_by_hand():
    """Two images, one category: A (tp 1, iou 0.8) and B (fp 1, fn 1).
    Resamples AA (prob 1/4): PQ 0.8; BB (1/4): 0; AB (1/2): 0.8 / (1 + 0.5
    + 0.5) = 0.4. Mean 0.4, variance (0.16 + 0.16) / 4 = 0.08."""
    from panopticapi.evaluation import PQStat

    from mmada.evaluation.panoptic_metric import bootstrap_pq_se
    a, b = PQStat(), PQStat()
    a.pq_per_cat[7].iou, a.pq_per_cat[7].tp = 0.8, 1
    b.pq_per_cat[7].fp, b.pq_per_cat[7].fn = 1, 1
    se = bootstrap_pq_se([a, b], [7], draws=40000)
    assert se == pytest.approx(np.sqrt(0.08), abs=0.004)
    # a category no resample sees is not averaged (as pq_average does)
    assert bootstrap_pq_se([a, b], [7, 9], draws=40000) == pytest.approx(
        se, abs=1e-12)
    assert bootstrap_pq_se([a, a, a], [7], draws=100) == pytest.approx(
        0.0, abs=1e-12)


def test_bootstrap_se_of_perfect_predictions_is_0(synth_root):
    samples = _samples(synth_root)
    seg_prefix = osp.join(synth_root, 'annotations', 'panoptic_train')
    res = _evaluate(
        PanopticMetric(seg_prefix=seg_prefix, nproc=1, bootstrap=50),
        samples)
    assert res['coco_panoptic/PQ'] == pytest.approx(100)
    assert res['coco_panoptic/PQ_se'] == pytest.approx(0.0)


def test_bootstrap_needs_per_image_statistics(tmp_path):
    with pytest.raises(ValueError, match='without outfile_prefix'):
        PanopticMetric(outfile_prefix=str(tmp_path / 'r'), bootstrap=10)
