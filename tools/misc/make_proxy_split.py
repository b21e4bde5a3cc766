"""Split a COCO panoptic training file into proxy train / proxy val files.

Ada-Segment's "Proxy Dataset Setting": COCO holds out 10k of the 118k
train2017 images, ADE20K 2k of its training images. Examples::

    python tools/misc/make_proxy_split.py \\
        data/coco/annotations/panoptic_train2017.json --num-val 10000
    # -> data/coco/annotations/panoptic_proxy_{train,val}2017.json

    python tools/misc/make_proxy_split.py \\
        data/ADEChallengeData2016/ade20k_panoptic_train.json --preset ade20k
    # -> data/ADEChallengeData2016/ade20k_panoptic_proxy_{train,val}.json

The split is deterministic (sorted image ids permuted with
``numpy.random.RandomState(seed)``) and the outputs are written atomically.
"""
import argparse
import sys

from mmada.datasets.proxy_split import (PROXY_VAL_SIZES, default_proxy_paths,
                                        make_proxy_split)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Make the proxy train/val split of a COCO panoptic file')
    parser.add_argument('ann_file', help='COCO panoptic JSON of a train set')
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument('--num-val', type=int, help='number of proxy val images')
    size.add_argument(
        '--preset',
        choices=sorted(PROXY_VAL_SIZES),
        help='the paper\'s size: ' +
        ', '.join(f'{k} {v}' for k, v in sorted(PROXY_VAL_SIZES.items())))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--out-train', help='default: *proxy_train* next to ann_file')
    parser.add_argument(
        '--out-val', help='default: *proxy_val* next to ann_file')
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    num_val = args.num_val if args.num_val is not None else \
        PROXY_VAL_SIZES[args.preset]
    default_train, default_val = default_proxy_paths(args.ann_file)
    out_train = args.out_train or default_train
    out_val = args.out_val or default_val
    try:
        n_train, n_val = make_proxy_split(
            args.ann_file, out_train, out_val, num_val=num_val, seed=args.seed)
    except (OSError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    print(f'{out_train}: {n_train} images; {out_val}: {n_val} images '
          f'(seed {args.seed})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
