"""Generate the built-in synthetic panoptic dataset (COCO panoptic format).

Example::

    python tools/misc/make_synthetic_dataset.py --out data/synthetic_panoptic

The output is made in a temporary sibling directory and renamed to ``--out``
when complete; see ``mmada/datasets/synthetic.py`` for what is generated.
"""
import argparse
import dataclasses
import os.path as osp
import shutil
import sys
import time

from mmada.datasets.synthetic import (SyntheticOptions, dataset_summary,
                                      generate_synthetic_panoptic)


def parse_args() -> argparse.Namespace:
    """One flag per field of SyntheticOptions, with its default (the
    defaults live in one place)."""
    parser = argparse.ArgumentParser(
        description='Generate the synthetic panoptic dataset')
    parser.add_argument(
        '--out', default='data/synthetic_panoptic', help='output directory')
    for field in dataclasses.fields(SyntheticOptions):
        parser.add_argument(
            '--' + field.name.replace('_', '-'),
            type=type(field.default),
            default=field.default,
            help=f'default {field.default}')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='delete --out first if it exists')
    return parser.parse_args()


def main() -> int:
    args = parse_args()
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
