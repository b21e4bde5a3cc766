"""Choose the scenes testbed's setting from Baseline statistics alone.

    python tools/analysis/select_testbed.py [--candidates A B C]
        [--seeds 0 1 2] [--out work_dirs/select_scenes] [--test]

The candidates (:data:`CANDIDATES`, options of the generator's variant
'scenes') and the rule (:func:`choose`) were written down before any of
their runs. For each candidate the scenes Baseline
(``configs/cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic-scenes.py``)
is trained with each seed on the candidate's proxy train split (its data in
``data/synthetic_panoptic_scenes_<candidate>/``) and its last validation,
on the proxy val split, is read. No other method runs: nothing but the
Baseline enters the choice. Runs are cached per (candidate, seed) in
``--out`` (re-running skips what is done, so two processes may share the
work by seeds); the table is printed from whatever is there.

``--test`` then tests the chosen candidate's Baselines on its test split
(300 images), for the one requirement on the test split: a seed std of
PQ <= 0.6.
"""
import argparse
import os.path as osp
import sys
from statistics import mean, pstdev

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from benchmark_methods import DATASETS, Bench  # noqa: E402

BASELINE = DATASETS['scenes']['baseline']
#: Candidate -> options of the variant 'scenes' (the rest its defaults),
#: hardest first: how much of a thing's colour is its class's own colour
#: (two seed-0 pilots on proxy val set the range: with none, PQ_th 3-8;
#: with 0.7, PQ_th ~40 at difficulty 0.5 and 1.0 alike).
CANDIDATES = dict(
    c040=dict(class_colour=0.4, difficulty=0.5),
    c055=dict(class_colour=0.55, difficulty=0.5),
    c070=dict(class_colour=0.7, difficulty=0.5),
)
#: The requirements on the proxy val split (mean over seeds).
MIN_PQ_TH, MIN_PQ_ST = 25.0, 35.0
#: The requirement on the test split (population std over seeds).
MAX_TEST_STD = 0.6


def options(candidate):
    """--cfg-options of the scenes Baseline for a candidate's data."""
    opts = []
    for loader in ('train', 'val', 'test'):
        key = f'{loader}_dataloader.dataset'
        opts.append(f'{key}.data_root=data/synthetic_panoptic_scenes_'
                    f'{candidate}/')
        opts += [f'{key}.synthetic.{k}={v}'
                 for k, v in CANDIDATES[candidate].items()]
    return opts


def choose(val):
    """The rule: the hardest candidate (first in :data:`CANDIDATES`) whose
    mean proxy-val PQ_th >= 25 and PQ_st >= 35 over the seeds; None if
    none.

    Args:
        val (dict): candidate -> list of proxy-val metric dicts, one per
            seed.
    """
    for candidate in CANDIDATES:
        runs = val.get(candidate)
        if runs and mean(r['PQ_th'] for r in runs) >= MIN_PQ_TH and \
                mean(r['PQ_st'] for r in runs) >= MIN_PQ_ST:
            return candidate
    return None


def row(name, runs, keys=('PQ', 'PQ_th', 'PQ_st')):
    cells = [
        f'{mean(r[k] for r in runs):.1f} ± {pstdev([r[k] for r in runs]):.1f}'
        for k in keys
    ]
    return f'| {name} | ' + ' | '.join(cells)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--candidates', nargs='+', default=list(CANDIDATES),
                        choices=list(CANDIDATES))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--out', default='work_dirs/select_scenes')
    parser.add_argument('--test', action='store_true',
                        help="test the chosen candidate's Baselines")
    args = parser.parse_args()
    bench = Bench(argparse.Namespace(
        out=args.out, gpus=1, cfg_options=[],
        config=dict(baseline=BASELINE)))
    val, seconds = {}, {}
    for candidate in args.candidates:
        for seed in args.seeds:
            print(f'[select] {candidate}, seed {seed}', flush=True)
            r = bench.train(candidate, seed, BASELINE, options(candidate))
            val.setdefault(candidate, []).append(r['val'])
            seconds.setdefault(candidate, []).append(r['seconds'])
    print(f'\nProxy val, seeds {args.seeds} (mean ± std); training minutes\n')
    print('| Candidate | Options | PQ | PQ_th | PQ_st | Minutes |')
    print('|---|---|---|---|---|---|')
    for candidate, runs in val.items():
        minutes = ', '.join(f'{s / 60:.1f}' for s in seconds[candidate])
        print(row(f'{candidate} | {CANDIDATES[candidate]}', runs) +
              f' | {minutes} |')
    chosen = choose(val)
    print(f'\nRule: the hardest candidate with mean PQ_th >= {MIN_PQ_TH} and '
          f'PQ_st >= {MIN_PQ_ST}: {chosen}')
    if args.test and chosen is not None:
        tests = []
        for seed in args.seeds:
            r = bench.train(chosen, seed, BASELINE, options(chosen))
            tests.append(bench.test(chosen, seed, r['checkpoint'],
                                    BASELINE, options(chosen)))
        std = pstdev([t['PQ'] for t in tests])
        print('\nTest split of the chosen candidate:\n')
        print(row(chosen, tests) + ' |')
        print(f'per seed PQ: {[round(t["PQ"], 2) for t in tests]}; std '
              f'{std:.2f} ({"<=" if std <= MAX_TEST_STD else ">"} '
              f'{MAX_TEST_STD})')


if __name__ == '__main__':
    main()
