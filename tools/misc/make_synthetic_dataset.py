"""Generate the built-in synthetic panoptic dataset (COCO panoptic format).

Example::

    python tools/misc/make_synthetic_dataset.py --out data/synthetic_panoptic

The output is made in a temporary sibling directory and renamed to ``--out``
when complete; see ``mmada/datasets/synthetic.py`` for what is generated.
"""
import argparse
import os.path as osp
import shutil
import sys
import time

from mmada.datasets.synthetic import (dataset_summary,
                                      generate_synthetic_panoptic)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate the synthetic panoptic dataset')
    parser.add_argument(
        '--out', default='data/synthetic_panoptic', help='output directory')
    parser.add_argument('--num-train', type=int, default=480)
    parser.add_argument('--num-val', type=int, default=120)
    parser.add_argument(
        '--num-proxy-val',
        type=int,
        default=80,
        help='train images held out as proxy val')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--min-size', type=int, default=96)
    parser.add_argument('--max-size', type=int, default=160)
    parser.add_argument(
        '--difficulty',
        type=float,
        default=1.0,
        help='1: low contrast, blur and noise; 0: easy')
    parser.add_argument('--min-things', type=int, default=2)
    parser.add_argument('--max-things', type=int, default=10)
    parser.add_argument('--min-thing-size', type=float, default=6.0)
    parser.add_argument('--max-thing-size', type=float, default=45.0)
    parser.add_argument('--min-visible-area', type=int, default=12)
    parser.add_argument('--jpeg-quality', type=int, default=90)
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
