"""Does a refactor change any number? Runs a short Baseline, transfer and
exploration on the CPU in this checkout and in a git worktree of REF, and
compares their outputs bit for bit.

    .venv/bin/python tools/analysis/same_numbers.py REF [--work-dir DIR]

Runs (seed 0, one thread each, ~2 min in all on a 2-core CPU): the tiny
Baseline 1 epoch on 64 images; the tiny transfer 2 epochs with the committed
scenes controller (``work_dirs/benchmark_scenes/explore/seed0/
controller.pth``); the tiny m = 2, T = 2, q = 4 exploration (the e2e
tests' ``EXPLORE_SMALL``). Compared: the final model weights of each, the
exploration's ``explore_log.jsonl`` (times aside), and ``controller.pth``
(keys, policy snapshots, lambda_best^T). Prints one line per comparison and
exits 1 if any differs. The worktree of REF is made under the work dir and
removed at the end; its data is generated there on first use.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
from mmada.utils import load_checkpoint_file  # noqa: E402

TINY = ('configs/cascade_panoptic_fpn/'
        'cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py')
TRANSFER = ('configs/ada_segment/'
            'ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic.py')
EXPLORE = ('configs/ada_segment/'
           'ada-segment-explore_tiny_m4-1xb4-cos-2e_synthetic-panoptic.py')
CONTROLLER = 'work_dirs/benchmark_scenes/explore/seed0/controller.pth'
SMALL = [
    'train_dataloader.dataset.indices=64', 'val_dataloader.dataset.indices=8',
    'test_dataloader.dataset.indices=8', 'train_cfg.val_interval=100',
    'param_scheduler.0.end=4', 'randomness.seed=0'
]
RUNS = {  # name: (tool, config, options, the file whose weights count)
    'baseline': ('train.py', TINY, SMALL + ['train_cfg.max_epochs=1'],
                 'epoch_1.pth'),
    'transfer': ('train.py', TRANSFER, SMALL + [
        'train_cfg.max_epochs=2',
        f'custom_hooks.1.weighting.controller={osp.join(ROOT, CONTROLLER)}'
    ], 'epoch_2.pth'),
    'explore': ('explore.py', EXPLORE, [
        'train_cfg.population=2', 'train_cfg.checkpoints=2',
        'train_cfg.interval=4', 'train_dataloader.dataset.indices=32',
        'val_dataloader.dataset.indices=8', 'randomness.seed=0'
    ], 'best_model.pth'),
}


def run_all(checkout, out):
    # PYTHONPATH: the checkout's own mmada, not the editable install's
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=checkout)
    for name, (tool, config, options, _) in RUNS.items():
        work_dir = osp.join(out, name)
        os.makedirs(work_dir, exist_ok=True)
        with open(osp.join(work_dir, 'run.log'), 'w') as log:
            proc = subprocess.run(
                [sys.executable, f'tools/{tool}', config, '--work-dir',
                 work_dir, '--cfg-options', *options],
                cwd=checkout, env=env, stdout=log, stderr=subprocess.STDOUT)
        if proc.returncode:
            sys.exit(f'{checkout}: {name} failed ({proc.returncode}); see '
                     f'{work_dir}/run.log')


def same_state(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def compare(ref_out, head_out):
    """[(what, equal)] for every output."""

    def load(*path):
        return load_checkpoint_file(osp.join(*path), map_location='cpu')

    found = []
    for name, (_, _, _, weights) in RUNS.items():
        found.append((f'{name}: {weights} weights', same_state(
            load(ref_out, name, weights)['state_dict'],
            load(head_out, name, weights)['state_dict'])))

    def log(out):
        with open(osp.join(out, 'explore', 'explore_log.jsonl')) as f:
            return [{k: v for k, v in json.loads(line).items()
                     if 'time' not in k and 'seconds' not in k}
                    for line in f]

    found.append(('explore: explore_log.jsonl (times aside)',
                  log(ref_out) == log(head_out)))
    a = load(ref_out, 'explore', 'controller.pth')
    b = load(head_out, 'explore', 'controller.pth')
    found.append(('explore: controller.pth keys', sorted(a) == sorted(b)))
    found.append(('explore: policy snapshots', len(a['snapshots']) == len(
        b['snapshots']) and all(
            same_state(x, y) for x, y in zip(a['snapshots'], b['snapshots']))))
    found.append(('explore: best_loss_weights', torch.equal(
        a['best_loss_weights'], b['best_loss_weights'])))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('ref',
                        help='git commit, branch or tag to compare with')
    parser.add_argument('--work-dir', default='work_dirs/same_numbers')
    args = parser.parse_args()
    work_dir = osp.abspath(args.work_dir)
    ref_tree = osp.join(work_dir, 'ref_tree')
    if osp.exists(ref_tree):
        subprocess.run(['git', 'worktree', 'remove', '--force', ref_tree],
                       cwd=ROOT)
    subprocess.run(['git', 'worktree', 'add', '--detach', ref_tree, args.ref],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    try:
        run_all(ref_tree, osp.join(work_dir, 'ref'))
        run_all(ROOT, osp.join(work_dir, 'head'))
    finally:
        subprocess.run(['git', 'worktree', 'remove', '--force', ref_tree],
                       cwd=ROOT)
    found = compare(osp.join(work_dir, 'ref'), osp.join(work_dir, 'head'))
    for what, equal in found:
        print(f'{"same" if equal else "DIFFERENT"}: {what}')
    sys.exit(0 if all(equal for _, equal in found) else 1)


if __name__ == '__main__':
    main()
