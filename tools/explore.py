"""Ada-Segment's exploration: a population of m models and the weight
controller (Algorithm 1), from a config with ``runner_type='ExploreRunner'``
and ``train_cfg=dict(type='ExploreLoop', ...)``.

    python tools/explore.py CONFIG [--work-dir DIR] [--resume]
        [--cfg-options train_cfg.population=8 ...] [--launcher ...]

``--resume`` continues from the last finished checkpoint
(``work_dir/explore_state.pth``); ``load_from`` gives the pseudo epoch's
initial weights. The controller is saved to
``work_dir/controller.pth``: name it in a transfer config
(``weighting=dict(type='AdaSegmentWeighting', controller=...)``).
"""
import argparse

from mmada.utils.launch import (add_common_args, build_runner, enable_amp,
                                load_config)


def parse_args():
    parser = argparse.ArgumentParser(description='Ada-Segment exploration')
    parser.add_argument('config', help='exploration config file path')
    parser.add_argument(
        '--resume',
        action='store_true',
        help='continue from the last finished checkpoint in the work dir')
    parser.add_argument(
        '--amp', action='store_true', help='mixed precision (GPU only)')
    add_common_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args)
    if cfg.get('runner_type') != 'ExploreRunner':
        raise ValueError(f'{args.config}: an exploration needs runner_type='
                         "'ExploreRunner' and train_cfg=dict(type="
                         "'ExploreLoop', ...), got runner_type "
                         f"{cfg.get('runner_type')!r}")
    if args.amp:
        enable_amp(cfg)
    cfg.resume = args.resume
    runner = build_runner(cfg)
    runner.train()


if __name__ == '__main__':
    main()
