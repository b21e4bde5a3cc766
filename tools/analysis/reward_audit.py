"""Does the exploration's reward predict the end of the schedule? (The
reward audit of ``mmada/engine/runner/reward_audit.py``.)

    # one seed (one process; run seeds side by side)
    python tools/analysis/reward_audit.py run CONFIG --work-dir DIR --seed 0
        [--branches 3 6 9] [--seg-factors 0.5 1 2 4] [--samples 2]
        [--cooldown-iters N] [--cooldown-schedule linear] [--horizon 3]
        [--resume] [--cfg-options ...]
    # the table over seeds
    python tools/analysis/reward_audit.py table DIR [DIR ...] [--out FILE.md]

CONFIG is an exploration config (its schedule, interval q, T and Baseline
are the audit's): e.g. ``configs/ada_segment/ada-segment-explore_tiny_m8-
1xb4-cos-6e_synthetic-panoptic-scenes.py``. ``run`` trains the weight-1
trunk to the last branch checkpoint, then each weighting (the semantic
weight x each factor, then controller samples) from each branch to the
end, scoring every candidate reward; ``--resume`` skips the branches
already in ``DIR/reward_audit.jsonl``. ``table`` prints, per candidate, the
mean Kendall tau with the final PQ over the (seed, branch) groups with a
95 % bootstrap interval, the paired difference against (a) and the cost,
and which candidates pass the rule declared before the runs: tau above
(a)'s by >= 0.2 with a difference interval that excludes 0.
"""
import argparse
import json
import os.path as osp
import sys

import numpy as np

from mmada.engine.runner.reward_audit import (CANDIDATES, adopted,
                                              audit_table)
from mmada.engine.runner.settings import COOLDOWN_SCHEDULES
from mmada.utils.launch import add_common_args, build_runner, load_config

LABELS = dict(interval='(a) PQ one interval later',
              cooldown='(b) (a) + lr cooldown',
              horizon='(c) PQ after the horizon')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='The reward audit')
    sub = parser.add_subparsers(dest='command', required=True)
    run = sub.add_parser('run', help='one seed of the audit')
    run.add_argument('config', help='an exploration config')
    run.add_argument('--seed', type=int, default=0)
    run.add_argument('--branches', type=int, nargs='+')
    run.add_argument('--seg-factors', type=float, nargs='+')
    run.add_argument('--seg-loss')
    run.add_argument('--samples', type=int)
    run.add_argument('--cooldown-iters', type=int)
    run.add_argument('--cooldown-schedule', choices=COOLDOWN_SCHEDULES)
    run.add_argument('--horizon', type=int)
    run.add_argument('--resume', action='store_true',
                     help='skip the branches already in the work dir')
    add_common_args(run)  # --work-dir, --cfg-options (one process)
    table = sub.add_parser('table', help='the table over seeds')
    table.add_argument('work_dirs', nargs='+')
    table.add_argument('--out', help='also write markdown')
    return parser.parse_args(argv)


def run_audit(args) -> None:
    cfg = load_config(args)
    if cfg.get('runner_type') != 'ExploreRunner':
        sys.exit(f'{args.config}: the audit needs an exploration config '
                 "(runner_type='ExploreRunner'), got runner_type "
                 f"{cfg.get('runner_type')!r}")
    audit = {k: v for k, v in dict(
        branches=args.branches, seg_factors=args.seg_factors,
        seg_loss=args.seg_loss, samples=args.samples,
        cooldown_iters=args.cooldown_iters,
        cooldown_schedule=args.cooldown_schedule,
        horizon=args.horizon).items() if v is not None}
    cfg.train_cfg.type = 'RewardAuditLoop'
    cfg.train_cfg.audit = audit
    cfg.randomness = dict(cfg.get('randomness') or {}, seed=args.seed)
    cfg.resume = args.resume
    build_runner(cfg).train()


def read_rows(work_dirs):
    rows = []
    for d in work_dirs:
        path = osp.join(d, 'reward_audit.jsonl')
        if not osp.exists(path):
            sys.exit(f'{path}: not found (run the audit first)')
        with open(path) as f:
            rows += [json.loads(line) for line in f if line.strip()]
    return rows


def format_table(table, rows) -> str:
    groups = sorted({(r['seed'], r['branch']) for r in rows})
    lines = [
        f'Reward audit: {len(rows)} branches in {len(groups)} (seed, branch) '
        'groups; Kendall tau with the final proxy-val PQ, mean over the '
        'groups [95 % bootstrap interval]', '',
        '| Candidate | tau | Δtau vs (a) | Cost (iterations, seconds per '
        'branch) | tau per group |', '|---|---|---|---|---|'
    ]
    for c in CANDIDATES:
        r = table[c]
        taus = ', '.join('-' if np.isnan(t) else f'{t:+.2f}'
                         for t in r['taus'])
        lines.append(
            f'| {LABELS[c]} | {r["tau"]:+.2f} [{r["interval"][0]:+.2f}, '
            f'{r["interval"][1]:+.2f}] | {r["diff"]:+.2f} '
            f'[{r["diff_interval"][0]:+.2f}, {r["diff_interval"][1]:+.2f}] '
            f'| {r["iters"]:.0f}, {r["seconds"]:.0f} s | {taus} |')
    passed = adopted(table)
    lines += ['', 'Groups: ' + ', '.join(f'seed {s} t={b}'
                                         for s, b in groups),
              'Pass the rule (Δtau >= 0.2, interval above 0): '
              + (', '.join(LABELS[c] for c in passed) or 'none')]
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    if args.command == 'run':
        return run_audit(args)
    rows = read_rows(args.work_dirs)
    text = format_table(audit_table(rows), rows)
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')


if __name__ == '__main__':
    main()
