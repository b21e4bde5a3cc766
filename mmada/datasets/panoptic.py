"""Panoptic dataset whose labels follow class NAMES, whatever the JSON says.

mmdet maps labels with ``coco.get_cat_ids(cat_names=classes)``, which returns
ids in the JSON's category order, not in the order of ``classes``; a JSON
that does not list its categories things-first (or lists them in another
order than the metainfo) silently gets wrong thing/stuff labels, and a class
name absent from the JSON is silently dropped, shifting every later label
(mmdet issues #12338, #10007, #12305). Here:

- :class:`NameOrderedCOCOPanoptic` returns ids in the order of the names
  asked for and fails loudly on a missing or duplicated name;
- :class:`PanopticDataset` uses it, checks its metainfo (things first,
  ``isthing`` as in the JSON), reads ``thing_classes``/``stuff_classes``
  from the JSON when the config gives none, and checks at construction that
  the annotation file, the images and the PNGs exist. It prepares its own
  data when built: the built-in synthetic dataset (``synthetic=``) and a
  missing proxy split (``proxy_split=``), so that a config runs the same
  from mmada's tools, mmdet's tools or ``Runner.from_cfg``;
- :class:`StrictLoadPanopticAnnotations` fails on a missing PNG or on a PNG
  segment absent from the image's ``segments_info`` (mmdet ignores it).

Every error is one line naming the file.
"""
import copy
import os.path as osp
import warnings
from collections import Counter, defaultdict
from typing import Iterable, List, Optional, Sequence

import mmcv
import numpy as np
from mmengine.fileio import get, get_local_path

from mmdet.datasets import CocoPanopticDataset
from mmdet.datasets.api_wrappers import COCOPanoptic
from mmdet.datasets.transforms import LoadPanopticAnnotations
from mmdet.registry import DATASETS, TRANSFORMS
from mmdet.structures.mask import BitmapMasks
from .proxy_split import (default_proxy_paths, load_panoptic_json,
                          make_proxy_split, read_categories)
from .synthetic import ensure_synthetic_panoptic


def _names(names: Iterable[str], limit: int = 8) -> str:
    names = [repr(n) for n in names]
    more = f', ... ({len(names)} in all)' if len(names) > limit else ''
    return ', '.join(names[:limit]) + more


class NameOrderedCOCOPanoptic(COCOPanoptic):
    """``COCOPanoptic`` whose ``get_cat_ids(cat_names=...)`` follows names.

    The file is loaded with one-line errors naming it, and category ids used
    by segments but absent from ``categories`` are rejected.

    Args:
        annotation_file (str, optional): COCO panoptic JSON.
            Defaults to None.
    """

    def __init__(self, annotation_file: Optional[str] = None) -> None:
        self.annotation_file = annotation_file
        super().__init__(None)
        if annotation_file is None:
            return
        self.dataset = load_panoptic_json(annotation_file)
        try:
            self.createIndex()
        except (KeyError, TypeError, AttributeError) as e:
            raise ValueError(f'{annotation_file}: malformed panoptic '
                             f'annotations ({type(e).__name__}: {e})') \
                from None
        # mmdet's aliases were bound to the empty index of __init__(None)
        self.img_ann_map = self.imgToAnns
        self.cat_img_map = self.catToImgs
        self._check_categories()
        self._check_images()

    def _check_images(self) -> None:
        """One image per id and per file name, one annotation per image,
        no annotation of an unknown image, and at least one image."""
        src = self.annotation_file
        images = self.dataset['images']
        if not images:
            raise ValueError(f'{src}: no images (an empty split)')
        for key in ('id', 'file_name'):
            values = [im.get(key) for im in images]
            dup = [v for v, n in Counter(values).items() if n > 1]
            if dup:
                raise ValueError(f'{src}: duplicate image {key}(s) '
                                 f'{_names(dup)}')
        ids = {im['id'] for im in images}
        ann_ids = [a.get('image_id') for a in self.dataset['annotations']]
        unknown = [i for i in ann_ids if i not in ids]
        if unknown:
            raise ValueError(f'{src}: annotation(s) for image_id(s) '
                             f'{_names(unknown)} not in images')
        dup = [i for i, n in Counter(ann_ids).items() if n > 1]
        if dup:
            raise ValueError(f'{src}: image_id(s) {_names(dup)} have more '
                             'than one annotation (one PNG per image)')

    def _check_categories(self) -> None:
        src = self.annotation_file
        ids = [c.get('id') for c in self.dataset['categories']]
        for c in self.dataset['categories']:
            if not all(k in c for k in ('id', 'name', 'isthing')):
                raise ValueError(
                    f'{src}: category {c} lacks one of id, name, isthing')
        dup = [i for i, n in Counter(ids).items() if n > 1]
        if dup:
            raise ValueError(f'{src}: duplicate category ids {dup}')
        for cat_id, img_ids in self.catToImgs.items():
            if cat_id not in self.cats:
                raise ValueError(
                    f'{src}: a segment of image {img_ids[0]!r} has '
                    f'category_id {cat_id!r}, which is not in categories')

    def get_cat_ids(self,
                    cat_names: Sequence[str] = [],
                    sup_names: Sequence[str] = [],
                    cat_ids: Sequence[int] = []) -> List[int]:
        """Category ids of ``cat_names``, in the order of ``cat_names``.

        With ``sup_names`` or ``cat_ids`` (or no ``cat_names``) this is
        pycocotools' filter, unchanged.

        Raises:
            ValueError: A name is absent from the file, appears twice in it,
                or twice in ``cat_names``.
        """
        if isinstance(cat_names, str):
            cat_names = [cat_names]
        if not cat_names or sup_names or cat_ids:
            return super().get_cat_ids(cat_names, sup_names, cat_ids)
        by_name = defaultdict(list)
        for cat in self.dataset.get('categories', []):
            by_name[cat['name']].append(cat['id'])
        src = self.annotation_file
        missing = [n for n in cat_names if n not in by_name]
        if missing:
            raise ValueError(f'{src}: class name(s) {_names(missing)} not '
                             f'among its categories ({_names(by_name)})')
        dup = [n for n, c in Counter(cat_names).items() if c > 1]
        dup += [n for n in cat_names if len(by_name[n]) > 1]
        if dup:
            raise ValueError(f'{src}: class name(s) {_names(dup)} duplicated '
                             '(in the class list or in the file)')
        return [by_name[n][0] for n in cat_names]


def resolve_panoptic_metainfo(metainfo: dict, categories: List[dict],
                              ann_file: str) -> dict:
    """Complete and check panoptic metainfo against a file's categories.

    Without ``thing_classes``/``stuff_classes`` they come from the file:
    from ``classes`` when given (split by ``isthing``), else every category
    (``isthing`` 1 -> things, 0 -> stuff, each in file order).

    Args:
        metainfo (dict): ``classes``, ``thing_classes``, ``stuff_classes``
            (each optional), ``palette`` (optional), anything else.
        categories (list[dict]): The file's ``categories``.
        ann_file (str): The file, for messages.

    Returns:
        dict: A copy of ``metainfo`` with all three class tuples and a
        palette (from the categories' ``color`` when they all have one).

    Raises:
        ValueError: Only one of thing/stuff classes, classes not
            ``thing_classes + stuff_classes``, a duplicated or unknown name,
            or a name whose ``isthing`` disagrees with the file.
    """
    meta = dict(metainfo)
    isthing = {c['name']: bool(c['isthing']) for c in categories}
    things, stuff = meta.get('thing_classes'), meta.get('stuff_classes')
    classes = meta.get('classes')
    if (things is None) != (stuff is None):
        raise ValueError('panoptic metainfo needs both thing_classes and '
                         f'stuff_classes or neither (annotations {ann_file})')
    if things is None:
        if classes is None:
            names = [c['name'] for c in categories]
        else:
            names = list(classes)
            unknown = [n for n in names if n not in isthing]
            if unknown:
                raise ValueError(
                    f'{ann_file}: class name(s) {_names(unknown)} not among '
                    f'its categories ({_names(isthing)})')
        things = [n for n in names if isthing[n]]
        stuff = [n for n in names if not isthing[n]]
    things, stuff = tuple(things), tuple(stuff)
    classes = things + stuff if classes is None else tuple(classes)
    if classes != things + stuff:
        raise ValueError(
            'panoptic metainfo must list things first: classes must equal '
            f'thing_classes + stuff_classes (annotations {ann_file})')
    dup = [n for n, c in Counter(classes).items() if c > 1]
    if dup:
        raise ValueError(f'duplicate class name(s) {_names(dup)} in the '
                         f'metainfo of {ann_file}')
    unknown = [n for n in classes if n not in isthing]
    if unknown:
        raise ValueError(f'{ann_file}: class name(s) {_names(unknown)} not '
                         f'among its categories ({_names(isthing)})')
    for group, flag in ((things, True), (stuff, False)):
        for name in group:
            if isthing[name] != flag:
                where = 'thing_classes' if flag else 'stuff_classes'
                raise ValueError(
                    f"{ann_file}: class '{name}' is in {where} but has "
                    f'isthing={int(isthing[name])} in the annotation file')
    meta.update(classes=classes, thing_classes=things, stuff_classes=stuff)
    palette = meta.get('palette')
    if palette is None or len(palette) < len(classes):
        colors = {c['name']: c.get('color') for c in categories}
        if all(colors[n] for n in classes):
            meta['palette'] = [tuple(colors[n]) for n in classes]
        else:
            rng = np.random.RandomState(42)
            meta['palette'] = [
                tuple(int(v) for v in c)
                for c in rng.randint(0, 256, (len(classes), 3))
            ]
    return meta


@DATASETS.register_module()
class PanopticDataset(CocoPanopticDataset):
    """COCO-format panoptic dataset with name-ordered labels and checks.

    Same data format and outputs as mmdet's ``CocoPanopticDataset``, except:

    - label ``i`` is ``metainfo['classes'][i]`` whatever the category ids and
      the JSON order; ``classes == thing_classes + stuff_classes`` (labels
      ``0..num_things-1`` are things, as the heads assume);
    - classes default to the JSON's (not COCO's 133): see
      :func:`resolve_panoptic_metainfo`;
    - JSON categories absent from the metainfo become void (ignored), with a
      warning; segments with an unknown ``category_id`` are an error;
    - a missing/malformed annotation file, or missing images/PNGs, fail at
      construction with one-line errors naming the files;
    - the metainfo also names the annotation file and the PNG folder
      (``ann_file``, ``seg_prefix``), which :class:`PanopticMetric` reads
      when its own are not given: the paths are written once, here.

    Args:
        synthetic (dict, optional): Options of the built-in synthetic
            dataset (:class:`~mmada.datasets.synthetic.SyntheticOptions`):
            it is generated under ``data_root`` if absent (a few seconds),
            and must have been made with these options if present.
            Defaults to None.
        proxy_split (dict, optional): ``dict(source=..., num_val=...,
            seed=0)``: when ``ann_file`` is missing, split ``source`` (a
            training JSON, relative to ``data_root``) into the proxy
            train/val files named by
            :func:`~mmada.datasets.proxy_split.default_proxy_paths`, of
            which ``ann_file`` must be one. Defaults to None.
        check_files (bool): Check that every image and PNG exists at
            construction (one ``os.path.exists`` each). Defaults to True.
        **kwargs: Arguments of ``CocoPanopticDataset``.
    """

    METAINFO: dict = dict()
    COCOAPI = NameOrderedCOCOPanoptic

    def __init__(self,
                 *args,
                 synthetic: Optional[dict] = None,
                 proxy_split: Optional[dict] = None,
                 check_files: bool = True,
                 **kwargs) -> None:
        self.check_files = check_files
        self.synthetic = synthetic
        self.proxy_split = proxy_split
        super().__init__(*args, **kwargs)
        if 'thing_classes' not in self._metainfo:  # lazy_init
            self.make_missing_data()
            self._metainfo = resolve_panoptic_metainfo(
                self._metainfo, read_categories(self.ann_file), self.ann_file)
            self._metainfo.update(self._file_meta())

    def make_missing_data(self) -> None:
        """Make the synthetic data or the proxy split if asked and absent.
        """
        if self.synthetic is not None:
            ensure_synthetic_panoptic(self.data_root, **self.synthetic)
        if self.proxy_split is None or osp.isfile(self.ann_file):
            return
        opts = dict(self.proxy_split)
        unknown = sorted(set(opts) - {'source', 'num_val', 'seed'})
        if unknown or 'source' not in opts or 'num_val' not in opts:
            raise ValueError(f'proxy_split: unknown key(s) {unknown}; give '
                             'dict(source=..., num_val=..., seed=0)')
        source = osp.join(self.data_root, opts['source'])
        outs = default_proxy_paths(source)
        if osp.normpath(self.ann_file) not in map(osp.normpath, outs):
            raise ValueError(f'proxy_split: ann_file {self.ann_file} is '
                             f'not one of the split files {list(outs)}')
        make_proxy_split(source, *outs, num_val=opts['num_val'],
                         seed=opts.get('seed', 0))

    def _file_meta(self) -> dict:
        return dict(
            ann_file=self.ann_file, seg_prefix=self.data_prefix.get('seg'))

    def load_data_list(self) -> List[dict]:
        """Load the annotation file (see ``CocoDataset.load_data_list``)."""
        if not self.ann_file:
            raise ValueError(f'{type(self).__name__} needs an ann_file')
        self.make_missing_data()
        with get_local_path(
                self.ann_file, backend_args=self.backend_args) as local_path:
            self.coco = self.COCOAPI(local_path)
        categories = self.coco.dataset['categories']
        self._metainfo = resolve_panoptic_metainfo(self._metainfo, categories,
                                                   self.ann_file)
        self._metainfo.update(self._file_meta())
        classes = self._metainfo['classes']
        extra = [c['name'] for c in categories if c['name'] not in classes]
        if extra:
            warnings.warn(f'{self.ann_file}: categories {_names(extra)} are '
                          'not in the metainfo; their segments are void')
        self.cat_ids = self.coco.get_cat_ids(cat_names=classes)
        self.cat2label = {cat_id: i for i, cat_id in enumerate(self.cat_ids)}
        self.cat_img_map = copy.deepcopy(self.coco.cat_img_map)

        data_list = []
        for img_id in self.coco.get_img_ids():
            raw_img_info = self.coco.load_imgs([img_id])[0]
            raw_img_info['img_id'] = img_id
            data_list.append(
                self.parse_data_info(
                    dict(
                        raw_ann_info=self.coco.imgToAnns[img_id],
                        raw_img_info=raw_img_info)))
        del self.coco
        if self.check_files:
            self._check_files(data_list)
        return data_list

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """Parse one image (as mmdet's, plus ``ignored_segment_ids``).

        ``ignored_segment_ids`` lists the segments that are void on purpose
        (category not in the metainfo, or a degenerate box/area that mmdet
        skips), so that :class:`StrictLoadPanopticAnnotations` accepts them.
        """
        img_info = raw_data_info['raw_img_info']
        ann_info = [
            ann for ann in raw_data_info['raw_ann_info']
            if ann['image_id'] == img_info['img_id']
        ]
        seg_map_path = None
        if self.data_prefix.get('seg', None):
            # mmdet's rule (the metric uses it too)
            seg_map_path = osp.join(
                self.data_prefix['seg'],
                img_info['file_name'].replace('.jpg', '.png'))
        data_info = dict(
            img_path=osp.join(self.data_prefix['img'], img_info['file_name']),
            img_id=img_info['img_id'],
            seg_map_path=seg_map_path,
            height=img_info['height'],
            width=img_info['width'])
        if self.return_classes:
            data_info['text'] = self.metainfo['thing_classes']
            data_info['stuff_text'] = self.metainfo['stuff_classes']
            data_info['custom_entities'] = True

        instances, segments_info, ignored = [], [], []
        thing_ids = set(self.cat_ids[:len(self._metainfo['thing_classes'])])
        for ann in ann_info:
            category_id = ann['category_id']
            x1, y1, w, h = ann['bbox']
            if (category_id not in self.cat2label or ann['area'] <= 0 or w < 1
                    or h < 1):
                ignored.append(ann['id'])
                continue
            label = self.cat2label[category_id]
            is_thing = category_id in thing_ids
            if is_thing:
                is_crowd = ann.get('iscrowd', False)
                instances.append(
                    dict(
                        bbox=[x1, y1, x1 + w, y1 + h],
                        bbox_label=label,
                        ignore_flag=1 if is_crowd else 0,
                        segment_id=ann['id']))
                if is_crowd:
                    is_thing = False
            segments_info.append(
                dict(id=ann['id'], category=label, is_thing=is_thing))
        data_info['instances'] = instances
        data_info['segments_info'] = segments_info
        data_info['ignored_segment_ids'] = ignored
        return data_info

    def _check_files(self, data_list: List[dict]) -> None:
        """Fail when images or PNGs listed in the annotation file are missing.
        """
        for key, what in (('img_path', 'images'), ('seg_map_path', 'PNGs')):
            paths = [d[key] for d in data_list if d.get(key)]
            if not paths or '://' in paths[0]:
                continue  # nothing to check, or a remote backend
            missing = [p for p in paths if not osp.exists(p)]
            if missing:
                raise FileNotFoundError(
                    f'{len(missing)} of {len(paths)} {what} listed in '
                    f'{self.ann_file} are missing, e.g. '
                    f'{", ".join(missing[:3])}')


@TRANSFORMS.register_module()
class StrictLoadPanopticAnnotations(LoadPanopticAnnotations):
    """``LoadPanopticAnnotations`` that fails instead of ignoring bad PNGs.

    Same outputs, but a missing or undecodable PNG, a PNG whose size
    differs from the image, or a PNG segment id (other than 0, or a
    ``ignored_segment_ids`` entry) absent from the image's ``segments_info``
    raise a one-line error naming the PNG (mmdet silently treats such a
    segment as ignore, 255). One fix: with :class:`PanopticDataset` (whose
    instances carry their ``segment_id``) ``gt_masks`` has one mask per
    instance, crowd ones included, aligned with ``gt_bboxes``; mmdet leaves
    the crowd masks out, which shifts masks against boxes in images with a
    crowd thing.
    """

    def _load_masks_and_semantic_segs(self, results: dict) -> None:
        path = results.get('seg_map_path', None)
        if path is None:
            return
        try:
            img_bytes = get(path, backend_args=self.backend_args)
        except FileNotFoundError:
            raise FileNotFoundError(
                f'panoptic PNG not found: {path}') from None
        try:
            pan_png = mmcv.imfrombytes(
                img_bytes, flag='color', channel_order='rgb')
        except Exception as e:  # cv2 raises on some corrupt files
            raise ValueError(f'{path}: cannot decode panoptic PNG ({e})') \
                from None
        if pan_png is None or pan_png.ndim != 3:
            raise ValueError(f'{path}: cannot decode panoptic PNG')
        pan_png = self.rgb2id(pan_png)
        shape = results.get('ori_shape', (results['height'], results['width']))
        if pan_png.shape != tuple(shape):
            raise ValueError(f'{path}: PNG is {pan_png.shape[0]}x'
                             f'{pan_png.shape[1]} but the image is '
                             f'{shape[0]}x{shape[1]}')

        gt_masks = []
        gt_seg = np.zeros_like(pan_png) + 255  # 255 as ignore
        known = pan_png == 0
        for segment_info in results['segments_info']:
            mask = pan_png == segment_info['id']
            known |= mask
            gt_seg = np.where(mask, segment_info['category'], gt_seg)
            if segment_info.get('is_thing'):
                gt_masks.append(mask.astype(np.uint8))
        instances = results.get('instances', [])
        if instances and all('segment_id' in i for i in instances):
            # one mask per instance, crowds included, so that the masks stay
            # aligned with gt_bboxes/gt_ignore_flags (mmdet drops the crowd
            # masks but not the crowd boxes: PackDetInputs then pairs boxes
            # with the wrong masks)
            gt_masks = [(pan_png == i['segment_id']).astype(np.uint8)
                        for i in instances]
        if not known.all():
            unknown = np.setdiff1d(
                np.unique(pan_png[~known]),
                np.asarray(results.get('ignored_segment_ids', []), np.int64))
            if unknown.size:
                raise ValueError(
                    f'{path}: segment id(s) {unknown[:5].tolist()} in the '
                    f"PNG are not in the segments_info of image "
                    f"{results.get('img_id')!r}")

        if instances and all('segment_id' in i for i in instances):
            self._boxes_from_masks(results, gt_masks, path)
        if self.with_mask:
            h, w = results['ori_shape']
            results['gt_masks'] = BitmapMasks(gt_masks, h, w)
        if self.with_seg:
            results['gt_seg_map'] = gt_seg

    def _boxes_from_masks(self, results: dict, masks: List[np.ndarray],
                          path: str) -> None:
        """The PNG is the ground truth: a thing listed in ``segments_info``
        with no pixel in it is an error; a JSON box more than 1 px off its
        PNG segment's box is replaced by the latter (warned once)."""
        boxes = results.get('gt_bboxes')
        fixed = []
        for k, (inst, mask) in enumerate(zip(results['instances'], masks)):
            ys, xs = np.nonzero(mask)
            if not len(xs):
                raise ValueError(
                    f'{path}: segment {inst["segment_id"]} of image '
                    f'{results.get("img_id")!r} is in segments_info but has '
                    'no pixel in the PNG')
            box = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
            if np.abs(np.asarray(inst['bbox']) - box).max() > 1:
                fixed.append((k, box))
        if not fixed or boxes is None:
            return
        if not _WARNED_BOXES:
            _WARNED_BOXES.append(path)
            warnings.warn(f'{path}: the JSON box of segment '
                          f'{results["instances"][fixed[0][0]]["segment_id"]}'
                          ' differs from its PNG segment by more than 1 px; '
                          'boxes are taken from the PNGs where they differ '
                          '(warned once)')
        for k, box in fixed:
            if isinstance(boxes, np.ndarray):
                boxes[k] = box
            else:  # mmdet's HorizontalBoxes
                boxes.tensor[k] = boxes.tensor.new_tensor(box)


_WARNED_BOXES: List[str] = []


__all__ = [
    'NameOrderedCOCOPanoptic', 'PanopticDataset',
    'StrictLoadPanopticAnnotations', 'resolve_panoptic_metainfo'
]
