"""The main job on the built-in dataset, start to finish (~10-15 min on a
2-core CPU):

1. the synthetic dataset is made if missing (data/synthetic_panoptic);
2. Ada-Segment's exploration: 4 members, 3 checkpoints (tools/explore.py);
3. a fresh model trained 6 epochs with the saved controller (policy
   ensemble, Eq. 7) (tools/train.py);
4. the equal-weights Baseline trained on the same 6 epochs;
5. both tested on the held-out val split (tools/test.py), and a table in
   the paper's format.

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
    print(f'[demo] {title} ...', flush=True)
    start = time.time()
    with open(log, 'w') as f:
        proc = subprocess.run([sys.executable] + args, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        f.write(proc.stdout)
    seconds = time.time() - start
    if proc.returncode != 0:
        tail = '\n'.join(proc.stdout.splitlines()[-30:])
        sys.exit(f'[demo] {title} failed ({log}):\n{tail}')
    print(f'[demo] {title}: done in {seconds / 60:.1f} min (log: {log})',
          flush=True)
    return seconds, proc.stdout


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
        times['explore'], _ = step('exploration (m=4, T=3)',
                                   ['tools/explore.py', EXPLORE],
                                   f'{logs}/explore.log')
    controller = osp.join(work_dir(EXPLORE), 'controller.pth')
    if not osp.isfile(controller):
        sys.exit(f'[demo] no controller at {controller}: run without '
                 '--skip-explore')
    times['transfer'], _ = step('Ada-Segment training (6 epochs)',
                                ['tools/train.py', TRANSFER],
                                f'{logs}/ada-segment.log')
    times['baseline'], _ = step('Baseline training (6 epochs)',
                                ['tools/train.py', BASELINE],
                                f'{logs}/baseline.log')
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
    print(f'\nCost = wall time / the Baseline\'s training ({base / 60:.1f} '
          'min); Ada-Segment = exploration + transfer training.')
    explore_dir = work_dir(EXPLORE)
    print(f'Plots: {explore_dir}/lambda.png, {explore_dir}/pq.png; '
          f'per-checkpoint log: {explore_dir}/explore_log.jsonl; '
          f'controller: {controller}')
    print(f'Total time: {(time.time() - start) / 60:.1f} min')


if __name__ == '__main__':
    main()
