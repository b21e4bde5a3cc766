"""Evaluate a checkpoint: PQ, SQ, RQ for all / things / stuff.

    python tools/test.py CONFIG CHECKPOINT [--classwise] [--out-dir DIR]
        [--show-dir DIR] [--work-dir DIR] [--cfg-options ...] [--launcher ...]

``--out-dir DIR`` writes the predictions in COCO panoptic format
(``DIR/predictions.panoptic.json`` and the PNGs in
``DIR/predictions.panoptic/``), which ``panopticapi.evaluation.pq_compute``
reads.
"""
import argparse
import os.path as osp

from mmada.utils.launch import add_common_args, build_runner, load_config


def parse_args():
    parser = argparse.ArgumentParser(description='Test a panoptic model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--classwise', action='store_true', help='print PQ per class')
    parser.add_argument(
        '--out-dir', help='write COCO-panoptic prediction files here')
    parser.add_argument(
        '--show-dir', help='save drawn predictions here (under work_dir)')
    add_common_args(parser)
    return parser.parse_args()


def set_evaluators(cfg, **kwargs):
    evaluators = cfg.test_evaluator
    for evaluator in (evaluators
                      if isinstance(evaluators, list) else [evaluators]):
        evaluator.update(kwargs)


def main():
    args = parse_args()
    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    if args.classwise:
        set_evaluators(cfg, classwise=True)
    if args.out_dir:
        # the metric writes <prefix>.panoptic.json and <prefix>.panoptic/
        set_evaluators(
            cfg,
            outfile_prefix=osp.join(args.out_dir, 'predictions'),
            nproc=1)
    if args.show_dir:
        cfg.default_hooks.visualization.draw = True
        cfg.default_hooks.visualization.test_out_dir = args.show_dir
    runner = build_runner(cfg)
    runner.test()


if __name__ == '__main__':
    main()
