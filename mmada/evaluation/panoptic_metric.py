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

Paths: without ``ann_file``, the metric reads the annotation file and the
PNG folder of the dataset it evaluates (the ``ann_file``/``seg_prefix``
that :class:`~mmada.datasets.PanopticDataset` puts in its metainfo, which
mmengine's loops hand to the metric), so a config writes its paths once, in
the dataloader.
"""
import os.path as osp
from typing import Dict, Optional

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
                 prefix: Optional[str] = None) -> None:
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
            return super().compute_metrics(results)
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
