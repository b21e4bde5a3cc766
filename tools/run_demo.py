"""The main job on the built-in dataset, start to finish (~10 min on a
2-core CPU):

1. the synthetic dataset is made if missing (data/synthetic_panoptic);
2. Ada-Segment's exploration: 4 members, 3 checkpoints, over 2 processes
   when the machine has 2 cores (tools/dist_explore.sh; else
   tools/explore.py);
3. a fresh model trained 6 epochs with the saved controller (policy
   ensemble, Eq. 7) (tools/train.py) and, at the same time (one core
   each), 4. the equal-weights Baseline trained on the same 6 epochs;
5. both tested on the held-out val split (tools/test.py), and a table in
   the paper's format, with the controller that was used.

    python tools/run_demo.py

Each step is the command a user would type; outputs go to
``work_dirs/<config name>/``. The numbers are whatever they are: one seed on
a small synthetic dataset says little about the method (see the README for
the multi-seed benchmark).
"""
import argparse
import os
import os.path as osp
import re
import subprocess
import sys
import time

EXPLORE = ('configs/ada_segment/'
           'ada-segment-explore_tiny_m4-1xb4-cos-2e_synthetic-panoptic.py')
TRANSFER = 'configs/ada_segment/ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic.py'
BASELINE = ('configs/cascade_panoptic_fpn/'
            'cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py')
KEYS = ('PQ', 'PQ_th', 'PQ_st', 'SQ', 'RQ')


def work_dir(config):
    return osp.join('work_dirs', osp.splitext(osp.basename(config))[0])


def step(title, args, log):
    """Run one tool, streaming nothing but a one-line status; return
    (seconds, output). The full output goes to ``log``."""
    return steps([(title, args, log)])[0]


def steps(jobs, threads=None):
    """Run tools side by side (``threads`` torch threads each); return
    [(seconds, output)] in order. Outputs go to the jobs' logs."""
    env = dict(os.environ)
    if threads:
        env['OMP_NUM_THREADS'] = str(threads)
    running = []
    for title, args, log in jobs:
        print(f'[demo] {title} ...', flush=True)
        cmd = args if args[0] == 'bash' else [sys.executable] + args
        f = open(log, 'w')
        running.append((title, log, f, time.time(),
                        subprocess.Popen(cmd, stdout=f,
                                         stderr=subprocess.STDOUT,
                                         text=True, env=env)))
    results = []
    for title, log, f, start, proc in running:
        proc.wait()
        seconds = time.time() - start
        f.close()
        with open(log) as f:
            output = f.read()
        if proc.returncode != 0:
            tail = '\n'.join(output.splitlines()[-30:])
            sys.exit(f'[demo] {title} failed ({log}):\n{tail}')
        print(f'[demo] {title}: done in {seconds / 60:.1f} min (log: {log})',
              flush=True)
        results.append((seconds, output))
    return results


def describe_controller(path):
    """One line: which controller drove the Ada-Segment training."""
    from mmada.controller.policy import policy_kwargs
    from mmada.utils import load_checkpoint_file
    state = load_checkpoint_file(path, map_location='cpu')
    h = state['hparams']
    policy = policy_kwargs(h)  # files of mmada 0.1 lack these keys
    return (f'{path}: pi^1..pi^{len(state["snapshots"])} of an exploration, '
            f'output {policy["output"]}, param_scale '
            f'{policy["param_scale"]}, Adam lr {h["lr"]}, sigma '
            f'{h["sigma"]}, seed {h["seed"]}')


def metrics(output):
    values = {}
    for key in KEYS:
        found = re.findall(rf'coco_panoptic/{key}: ([0-9.]+)', output)
        values[key] = float(found[-1]) if found else float('nan')
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--skip-explore',
        action='store_true',
        help='reuse the controller of an earlier exploration')
    args = parser.parse_args()
    os.makedirs('work_dirs', exist_ok=True)
    logs = 'work_dirs/demo_logs'
    os.makedirs(logs, exist_ok=True)
    start = time.time()
    times = {}
    if not args.skip_explore:
        procs = 2 if (os.cpu_count() or 1) >= 2 else 1
        cmd = ['tools/explore.py', EXPLORE] if procs == 1 else \
            ['bash', 'tools/dist_explore.sh', EXPLORE, str(procs)]
        times['explore'], _ = step(
            f'exploration (m=4, T=3, {procs} process(es))', cmd,
            f'{logs}/explore.log')
        times['explore'] *= procs  # core-time, as the trainings' below
    controller = osp.join(work_dir(EXPLORE), 'controller.pth')
    if not osp.isfile(controller):
        sys.exit(f'[demo] no controller at {controller}: run without '
                 '--skip-explore')
    # side by side, one core each; the cost column compares their times
    (times['transfer'], _), (times['baseline'], _) = steps(
        [('Ada-Segment training (6 epochs)', ['tools/train.py', TRANSFER],
          f'{logs}/ada-segment.log'),
         ('Baseline training (6 epochs)', ['tools/train.py', BASELINE],
          f'{logs}/baseline.log')],
        threads=1 if (os.cpu_count() or 1) <= 2 else None)
    results = {}
    for name, config in (('Baseline', BASELINE), ('Ada-Segment', TRANSFER)):
        _, out = step(f'testing {name} on the val split', [
            'tools/test.py', config,
            osp.join(work_dir(config), 'epoch_6.pth'), '--work-dir',
            osp.join(work_dir(config), 'test')
        ], f'{logs}/test_{name.lower()}.log')
        results[name] = metrics(out)

    base = times['baseline']
    cost = dict(Baseline=1.0,
                **{'Ada-Segment': (times.get('explore', float('nan')) +
                                   times['transfer']) / base})
    print('\nHeld-out val split of the built-in dataset (120 images), one '
          'seed:\n')
    print('| Method | PQ | PQ_th | PQ_st | SQ | RQ | Cost |')
    print('|---|---|---|---|---|---|---|')
    for name, values in results.items():
        cells = ' | '.join(f'{values[k]:.1f}' for k in KEYS)
        print(f'| {name} | {cells} | {cost[name]:.1f}x |')
    print(f'\nCost = core-time / the Baseline\'s training ({base / 60:.1f} '
          'min on one core, next to the Ada-Segment training); Ada-Segment '
          '= exploration (wall time x processes) + transfer training.')
    print(f'Controller used: {describe_controller(controller)}')
    explore_dir = work_dir(EXPLORE)
    print(f'Plots: {explore_dir}/lambda.png, {explore_dir}/pq.png, '
          f'{explore_dir}/learning.png; '
          f'per-checkpoint log: {explore_dir}/explore_log.jsonl; '
          f'controller: {controller}')
    print(f'Total time: {(time.time() - start) / 60:.1f} min')


if __name__ == '__main__':
    main()
