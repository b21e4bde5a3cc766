"""Kill a small CPU exploration at several points, resume it, and check that
each resumed run ends identical to the uninterrupted one.

    python tools/analysis/fault_injection.py [--points P[@k][#r] ...]
        [--procs 1] [--work-dir work_dirs/fault_injection]

A point is where the process kills itself with SIGKILL (no clean-up, as a
power cut or the OOM killer would), the k-th time it gets there
(mmada.testing's ``FaultHook``, added to the config); with ``--procs 2`` the
exploration runs over 2 processes (``tools/dist_explore.sh``), a point with
``#r`` kills only rank r (torchrun then stops the other one) and one without
kills every rank there; the resumed run also uses 2 processes:

- ``train_iter@k``: in the k-th training iteration (pseudo epoch included);
- ``evaluate@k``: in the k-th evaluation batch;
- ``controller_update``: right after the first REINFORCE step, before
  anything is saved;
- ``atomic_write@k``: the k-th file write is complete in its temporary file
  but not yet renamed (``atomic_write@4``: the first checkpoint's state);
- ``checkpoint_saved``: right after checkpoint 1 is saved.

"Identical" means the same controller trajectory (every pi^t, lambda_best^T)
and the same best model M_best^T, tensor for tensor. Exit status 1 if any
resumed run differs.
"""
import argparse
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import torch

EXPLORE = ('configs/ada_segment/'
           'ada-segment-explore_tiny_m4-1xb4-cos-2e_synthetic-panoptic.py')
SMALL = [
    'train_cfg.population=2', 'train_cfg.checkpoints=2',
    'train_cfg.interval=4', 'train_dataloader.dataset.indices=32',
    'val_dataloader.dataset.indices=8'
]
POINTS = ('train_iter@6', 'evaluate@3', 'controller_update',
          'atomic_write@4', 'checkpoint_saved')
# 2 processes (one member each): one rank killed, or both at one point
POINTS_2 = ('train_iter@6#1', 'evaluate@3#1', 'controller_update#0',
            'controller_update', 'checkpoint_saved#1', 'checkpoint_saved')


def fault_config(work_dir, fault):
    """The exploration config plus mmada.testing's FaultHook for ``fault``
    (``point[@k][#r]``)."""
    spec, _, rank = fault.partition('#')
    point, _, at = spec.partition('@')
    path = osp.join(work_dir, 'fault_config.py')
    with open(path, 'w') as f:
        f.write(f"_base_ = '{osp.abspath(EXPLORE)}'\n"
                "custom_imports = dict(imports=['mmada', 'mmada.testing'],\n"
                '                      allow_failed_imports=False)\n'
                "custom_hooks = [dict(type='LossWeightHook'),\n"
                f"                dict(type='FaultHook', point='{point}', "
                f"at={int(at or 1)}, rank={int(rank) if rank else None})]\n")
    return path


def explore(work_dir, resume=False, fault=None, procs=1):
    env = dict(os.environ, OMP_NUM_THREADS='1', PORT='29699')
    config = fault_config(work_dir, fault) if fault else EXPLORE
    launch = [sys.executable, 'tools/explore.py', config] if procs == 1 \
        else ['bash', 'tools/dist_explore.sh', config, str(procs)]
    cmd = launch + ['--work-dir', work_dir, '--cfg-options', *SMALL] + (
        ['--resume'] if resume else [])
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    with open(osp.join(work_dir, 'resumed.log' if resume else 'run.log'),
              'a') as f:
        f.write(proc.stdout)
    return proc.returncode, proc.stdout


def checkpoints_done(work_dir):
    path = osp.join(work_dir, 'explore_log.jsonl')
    if not osp.isfile(path):
        return 0
    with open(path) as f:
        return sum(1 for line in f if json.loads(line)['checkpoint'] > 0)


def same_result(a, b):
    """Whether two explorations ended identical (controller, best model)."""
    from mmada.utils import load_checkpoint_file
    ca = load_checkpoint_file(osp.join(a, 'controller.pth'))
    cb = load_checkpoint_file(osp.join(b, 'controller.pth'))
    if len(ca['snapshots']) != len(cb['snapshots']):
        return False
    for pa, pb in zip(ca['snapshots'], cb['snapshots']):
        if any(not torch.equal(pa[k], pb[k]) for k in pa):
            return False
    if not torch.equal(ca['best_loss_weights'], cb['best_loss_weights']):
        return False
    ma = load_checkpoint_file(osp.join(a, 'best_model.pth'))['state_dict']
    mb = load_checkpoint_file(osp.join(b, 'best_model.pth'))['state_dict']
    return all(torch.equal(ma[k], mb[k]) for k in ma)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--points', nargs='+', default=None,
                        help=f'default: {" ".join(POINTS)} (1 process), '
                        f'{" ".join(POINTS_2)} (2)')
    parser.add_argument('--procs', type=int, default=1, choices=[1, 2])
    parser.add_argument('--work-dir', default='work_dirs/fault_injection')
    args = parser.parse_args(argv)
    points = args.points or list(POINTS if args.procs == 1 else POINTS_2)
    root = args.work_dir if args.procs == 1 else osp.join(
        args.work_dir, f'{args.procs}procs')
    os.makedirs(root, exist_ok=True)
    reference = osp.join(root, 'uninterrupted')
    if not osp.isfile(osp.join(reference, 'best_model.pth')):
        shutil.rmtree(reference, ignore_errors=True)
        os.makedirs(reference)
        if explore(reference, procs=args.procs)[0] != 0:
            sys.exit(f'the uninterrupted run failed: {reference}/run.log')
    rows, ok = [], True
    for point in points:
        work_dir = osp.join(
            root, point.replace('@', '_').replace('#', '_rank'))
        shutil.rmtree(work_dir, ignore_errors=True)
        os.makedirs(work_dir)
        kill_code, out = explore(work_dir, fault=point, procs=args.procs)
        # one process: its own SIGKILL; torchrun: a worker's, which it
        # reports before stopping the others
        killed = kill_code == -9 if args.procs == 1 else (
            kill_code != 0 and '(SIGKILL)' in out)
        saved = checkpoints_done(work_dir)
        same = explore(work_dir, resume=True,
                       procs=args.procs)[0] == 0 and same_result(
                           reference, work_dir)
        ok &= killed and same
        rows.append((point, 'yes' if killed else f'no (exit {kill_code})',
                     f'{saved}/2', 'yes' if same else 'NO'))
    print('| kill point | killed | checkpoints saved before the kill | '
          'resumed run identical |')
    print('|---|---|---|---|')
    for row in rows:
        print('| ' + ' | '.join(row) + ' |')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
