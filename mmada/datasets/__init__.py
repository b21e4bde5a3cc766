"""Datasets: the synthetic panoptic generator, proxy splits, name-ordered
panoptic datasets and the heads' class-count check."""
from .panoptic import (NameOrderedCOCOPanoptic, PanopticDataset,
                       StrictLoadPanopticAnnotations,
                       resolve_panoptic_metainfo)
from .num_classes import check_num_classes, set_num_classes
from .proxy_split import (default_proxy_paths, load_panoptic_json,
                          make_proxy_split, read_categories)
from .synthetic import (STUFF_CLASSES, THING_CLASSES, SyntheticOptions,
                        dataset_summary, ensure_synthetic_panoptic,
                        generate_synthetic_panoptic, synthetic_classes)

__all__ = [
    'NameOrderedCOCOPanoptic', 'PanopticDataset',
    'StrictLoadPanopticAnnotations', 'resolve_panoptic_metainfo',
    'check_num_classes', 'set_num_classes', 'make_proxy_split',
    'default_proxy_paths', 'load_panoptic_json', 'read_categories',
    'SyntheticOptions', 'generate_synthetic_panoptic',
    'ensure_synthetic_panoptic', 'dataset_summary', 'synthetic_classes',
    'THING_CLASSES', 'STUFF_CLASSES'
]
