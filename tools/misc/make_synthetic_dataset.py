"""Generate the built-in synthetic panoptic dataset (COCO panoptic format).

Example::

    python tools/misc/make_synthetic_dataset.py --out data/synthetic_panoptic
    python tools/misc/make_synthetic_dataset.py --variant glyphs  # 2nd set

The output is made in a temporary sibling directory and renamed to ``--out``
when complete; see ``mmada/datasets/synthetic.py`` for what is generated.
"""
import argparse
import dataclasses
import os.path as osp
import shutil
import sys
import time
from typing import List, Optional

from mmada.datasets.synthetic import (VARIANTS, SyntheticOptions,
                                      dataset_summary, default_root,
                                      generate_synthetic_panoptic)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """One flag per field of SyntheticOptions, with its default (the
    defaults live in one place; None: the variant's)."""
    parser = argparse.ArgumentParser(
        description='Generate the synthetic panoptic dataset')
    parser.add_argument(
        '--out',
        help='output directory (default: data/synthetic_panoptic, '
        'data/synthetic_panoptic_<variant> for another variant)')
    default = SyntheticOptions()  # resolved: the flags' types
    resolved = {name: SyntheticOptions(variant=name) for name in VARIANTS}
    for field in dataclasses.fields(SyntheticOptions):
        if field.default is None:
            per_variant = ', '.join(f'{k}: {getattr(v, field.name)}'
                                    for k, v in resolved.items())
            help_txt = f'default: the variant\'s ({per_variant})'
        else:
            help_txt = f'default {field.default}'
        parser.add_argument(
            '--' + field.name.replace('_', '-'),
            type=type(getattr(default, field.name)),
            default=field.default,
            choices=list(VARIANTS) if field.name == 'variant' else None,
            help=help_txt)
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='delete --out first if it exists')
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = default_root(args.variant)
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if osp.exists(args.out):
        if not args.overwrite:
            print(
                f'{args.out} exists: nothing done (use --overwrite)',
                file=sys.stderr)
            return 1
        shutil.rmtree(args.out)
    kwargs = {
        k: v
        for k, v in vars(args).items() if k not in ('out', 'overwrite')
    }
    start = time.time()
    generate_synthetic_panoptic(args.out, **kwargs)
    print(f'{dataset_summary(args.out)} ({time.time() - start:.1f} s)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
