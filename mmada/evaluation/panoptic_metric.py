"""COCO panoptic metric whose label -> category id mapping follows names.

``CocoPanopticMetric`` maps a predicted label ``i`` to the category id of
``classes[i]`` through ``COCOPanoptic.get_cat_ids(cat_names=classes)``,
which answers in the JSON's order: with a JSON not listed in the metainfo's
order (e.g. stuff first), every prediction gets another class's id and PQ
collapses. :class:`PanopticMetric` is the same metric (PQ is computed by
mmdet, unchanged) with :class:`~mmada.datasets.NameOrderedCOCOPanoptic` as
its COCO API, in both places mmdet builds one.

``classwise=True``: mmdet labels the per-class rows by zipping the
metainfo's class names with the categories in the JSON's order, so with a
JSON that does not list its categories in the metainfo's order (stuff and
things interleaved) every row carries another class's name. The categories
are put in the metainfo's order before mmdet computes the rows.

``bootstrap=B`` (B > 0) adds ``PQ_se``: the bootstrap standard error of PQ
over the evaluated images (B resamples of the images with replacement, the
per-image statistics that mmdet keeps summed per resample; in PQ's units).
An exploration can use it as the reward's noise floor
(``train_cfg.reward_cfg.noise_floor``).

Paths: without ``ann_file``, the metric reads the annotation file and the
PNG folder of the dataset it evaluates (the ``ann_file``/``seg_prefix``
that :class:`~mmada.datasets.PanopticDataset` puts in its metainfo, which
mmengine's loops hand to the metric), so a config writes its paths once, in
the dataloader.
"""
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.fileio import get_local_path

from mmdet.evaluation import CocoPanopticMetric
from mmdet.registry import METRICS
from ..datasets.panoptic import NameOrderedCOCOPanoptic


@METRICS.register_module()
class PanopticMetric(CocoPanopticMetric):
    """``CocoPanopticMetric`` with name-ordered labels.

    Same arguments and behaviour (``classwise``, ``format_only``,
    ``outfile_prefix``, ...) as ``CocoPanopticMetric``; in addition a
    missing or malformed ``ann_file`` fails at construction with a one-line
    error naming it, and a class name absent from it fails at the first
    batch. Without ``ann_file`` and ``seg_prefix``, both come from the
    dataset's metainfo when it names them (``PanopticDataset`` does); an
    ``ann_file`` given here that is not the dataset's is an error. Otherwise
    (a dataset that does not name its files) mmdet's behaviour: with
    ``outfile_prefix`` the ground truth is converted from the data samples,
    anew at every evaluation (mmdet reuses the first conversion).
    """

    def __init__(self,
                 ann_file: Optional[str] = None,
                 seg_prefix: Optional[str] = None,
                 classwise: bool = False,
                 format_only: bool = False,
                 outfile_prefix: Optional[str] = None,
                 nproc: int = 32,
                 file_client_args: dict = None,
                 backend_args: dict = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 bootstrap: int = 0) -> None:
        # load ``ann_file`` once, here, instead of in the parent
        super().__init__(
            ann_file=None,
            seg_prefix=seg_prefix,
            classwise=classwise,
            format_only=format_only,
            outfile_prefix=outfile_prefix,
            nproc=nproc,
            file_client_args=file_client_args,
            backend_args=backend_args,
            collect_device=collect_device,
            prefix=prefix)
        self.ann_file = ann_file
        if ann_file:
            self._load_ann_file(ann_file)
        if bootstrap < 0 or (bootstrap and self.tmp_dir is None):
            raise ValueError(
                'PanopticMetric: bootstrap must be >= 0 and needs the '
                'per-image statistics that mmdet keeps only without '
                f'outfile_prefix; got bootstrap={bootstrap}, '
                f'outfile_prefix={outfile_prefix!r}')
        self.bootstrap = bootstrap

    def _load_ann_file(self, ann_file: str) -> None:
        with get_local_path(
                ann_file, backend_args=self.backend_args) as local_path:
            self._coco_api = NameOrderedCOCOPanoptic(local_path)
        self.categories = self._coco_api.cats

    @property
    def dataset_meta(self) -> Optional[dict]:
        """The evaluated dataset's metainfo (set by mmengine's loops)."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict) -> None:
        """Take the annotation file and PNG folder of the dataset, or check
        that the ones given to the metric are the dataset's."""
        self._dataset_meta = dataset_meta
        ann_file = (dataset_meta or {}).get('ann_file')
        if not ann_file:
            return
        if self.ann_file:
            if osp.abspath(self.ann_file) != osp.abspath(ann_file):
                raise ValueError(
                    f'the evaluator\'s ann_file {self.ann_file} is not its '
                    f'dataset\'s ({ann_file}): drop the evaluator\'s '
                    'ann_file and seg_prefix (they follow the dataset)')
            return
        self.ann_file = ann_file
        if self.seg_prefix is None:
            self.seg_prefix = dataset_meta.get('seg_prefix')
        self._load_ann_file(ann_file)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Compute PQ (see ``CocoPanopticMetric.compute_metrics``).

        The branch of mmdet that converts the ground truth to a JSON (when
        ``outfile_prefix`` is given and ``ann_file`` is not) is done here,
        with a name-ordered API, before handing over to mmdet.
        """
        if self.tmp_dir is not None or self._coco_api is not None:
            self._order_categories()
            metrics = super().compute_metrics(results)
            if self.bootstrap and self.tmp_dir is not None:
                metrics['PQ_se'] = 100 * bootstrap_pq_se(
                    results, list(self.categories), self.bootstrap)
            return metrics
        gts, _ = zip(*results)
        json_path, gt_folder = self.gt_to_coco_json(
            gt_dicts=gts, outfile_prefix=self.outfile_prefix)
        seg_prefix = self.seg_prefix
        self._coco_api = NameOrderedCOCOPanoptic(json_path)
        self.seg_prefix = gt_folder
        self._order_categories()
        try:
            return super().compute_metrics(results)
        finally:
            self._coco_api = None
            self.seg_prefix = seg_prefix

    def _order_categories(self) -> None:
        """Order the COCO API's categories as ``dataset_meta['classes']``
        (the order in which mmdet names the classwise rows; categories
        are otherwise only looked up by id)."""
        api = self._coco_api
        if api is None or not self.dataset_meta:
            return
        by_name = {c['name']: cat_id for cat_id, c in api.cats.items()}
        order = [by_name[n] for n in self.dataset_meta['classes']
                 if n in by_name]
        order += [cat_id for cat_id in api.cats if cat_id not in order]
        api.cats = {cat_id: api.cats[cat_id] for cat_id in order}
        self.categories = api.cats


def bootstrap_pq_se(pq_stats: Sequence, cat_ids: Sequence[int],
                    draws: int, seed: int = 0) -> float:
    """Bootstrap standard error (ddof 0 over the resamples) of PQ (0-1) from
    per-image ``PQStat``s: each resample draws the images with replacement,
    sums their per-category iou/tp/fp/fn and averages PQ over the
    categories seen (tp + fp + fn > 0), as ``PQStat.pq_average`` does."""
    stats = np.array([[[s.pq_per_cat[c].iou, s.pq_per_cat[c].tp,
                        s.pq_per_cat[c].fp, s.pq_per_cat[c].fn]
                       for c in cat_ids] for s in pq_stats],
                     dtype=np.float64)  # (images, categories, 4)
    n = len(stats)
    counts = np.random.default_rng(seed).multinomial(
        n, np.full(n, 1.0 / n), size=draws)  # (draws, images)
    iou, tp, fp, fn = np.moveaxis(
        np.einsum('bn,nck->bck', counts, stats), -1, 0)
    seen = (tp + fp + fn) > 0
    pq = np.where(seen, iou / np.maximum(tp + 0.5 * fp + 0.5 * fn, 1e-12),
                  0.0)
    pq = pq.sum(1) / np.maximum(seen.sum(1), 1)
    return float(pq.std())
