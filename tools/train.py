"""Train a model, as mmdet's tools/train.py (same flags).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--cfg-options k=v ...] [--launcher none|pytorch|slurm]

A config that names a saved controller (a ``LossWeightHook`` with
``weighting=dict(type='AdaSegmentWeighting', controller=...)``) trains with
Ada-Segment's transferred loss weights.
"""
import argparse

from mmada.utils.launch import (add_common_args, apply_resume, build_runner,
                                enable_amp, load_config)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a panoptic model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--amp', action='store_true', help='mixed precision (GPU only)')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or without a value from the '
        'latest checkpoint in the work dir')
    add_common_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args)
    if args.amp:
        enable_amp(cfg)
    apply_resume(cfg, args.resume)
    runner = build_runner(cfg)
    runner.train()


if __name__ == '__main__':
    main()
