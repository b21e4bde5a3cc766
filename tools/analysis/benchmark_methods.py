"""Loss-weighting methods side by side, in the form of the paper's Table 6.

    python tools/analysis/benchmark_methods.py [--methods M ...]
        [--seeds 0 1 2] [--out work_dirs/benchmark] [--cfg-options ...]

Every (method, seed) is run with the repository's own tools, as a user
would, in ``<out>/<method>/seed<s>/``; each finished run writes a
``result.json``, so re-running the command skips what is done (it can be
interrupted and continued). Each method is tested on the held-out test
split (the synthetic dataset's ``val/``; on COCO, val2017) and the table
gives PQ, PQ_th, PQ_st, SQ, RQ as mean +- std over seeds, and the cost: the
wall time of everything the method ran, as a multiple of one Baseline
training (the mean over seeds). A plot of PQ against cost is saved too.

Methods (the paper's names):

- ``baseline``: every loss weight 1 (Table 1 "Baseline").
- ``ada-segment``: exploration + transfer with the policy ensemble
  (Comb-dy); ``ada-segment-a`` (M_best^T), ``final``, ``pred``,
  ``single-dy`` reuse the same exploration (Tables 1, 2);
  ``untrained`` transfers with the controller before its first update
  (pi^0 in Eq. 7: what the state normalisation gives without learning);
  ``reward-local`` explores with r_local alone and transfers (reward
  ablation).
- ``pbt``: Baseline-P, the population without the controller (its best
  model).
- ``grid``: Baseline-G, detection-group weight x semantic weight in
  {0.5, 1, 2}^2 (``mmada/baselines/grid.py``; 9 trainings with seed 0, via
  the stage loss weights and the semantic loss weight; the point (1, 1) is
  the Baseline run), the best on the proxy val split, then trained with
  each seed and tested; its cost is the 9 search trainings + 1.
  ``grid-hook``: the same grid applied through LossWeightHook, as
  Ada-Segment applies lambda.
- ``bohb``: Baseline-BOHB, Optuna's TPE with Hyperband over the static
  weights (``tools/analysis/bohb_search.py``, searched once with seed 0
  within one exploration's budget); ``am-lfs``: AM-LFS's best model.
- ``gradnorm`` (Chen et al. 2018), ``uncertainty`` (Kendall et al. 2018).
- ``famo`` (Liu et al. 2023), ``dwa`` (Liu et al. 2019), ``rlw`` (random
  loss weighting, Lin et al. 2022), ``imtl-l`` (Liu et al. 2021): torchjd's
  scalarizers through ``ScalarizerWeighting``, one training each.

The default set (``baseline ada-segment ada-segment-a uncertainty``, 3
seeds) takes about an hour on a 2-core CPU with the tiny configs.

Transfer without exploring (the paper's Table 3): ``--controller PATH``
gives the transfer modes (``ada-segment``, ``final``, ``pred``,
``single-dy``, ``untrained``) a saved controller (e.g. the exploration of
seed 0 on the built-in data) instead of an exploration per seed; their cost
is then the transfer training alone. With ``--configs
baseline=<target Baseline> transfer=<target transfer config>`` each target
is compared with its own Baseline, e.g. the second generated dataset::

    python tools/analysis/benchmark_methods.py --methods baseline ada-segment \
        --out work_dirs/table3_glyphs \
        --controller work_dirs/benchmark_m8/explore/seed0/controller.pth \
        --configs baseline=configs/cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic-glyphs.py \
        transfer=configs/ada_segment/ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic-glyphs.py

At the end the script prints where the time went: the wall time of every
method (over its seeds) and its share of the whole.

Another dataset or model: ``--configs`` replaces the configs the methods use
(keys ``baseline explore transfer pbt gradnorm uncertainty famo dwa rlw
imtl-l``), e.g. COCO with 8 GPUs per run::

    python tools/analysis/benchmark_methods.py --gpus 8 --configs \
        baseline=configs/cascade_panoptic_fpn/<...>_coco-panoptic.py \
        explore=configs/ada_segment/<...explore...>.py \
        transfer=configs/ada_segment/<...transfer...>.py

Every run then goes through ``tools/dist_{train,test,explore}.sh``. A
training is tested with the checkpoint it saved last (``last_checkpoint``).
"""
import argparse
import json
import math
import os
import os.path as osp
import subprocess
import sys
import time
from statistics import mean, pstdev

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
#: this checkout; its tools run with its own mmada (see ``Bench.tool``)
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
from run_demo import BASELINE, EXPLORE, KEYS, TRANSFER, metrics  # noqa: E402

from mmada.baselines.grid import grid_options, grid_points  # noqa: E402

CONFIGS = dict(
    baseline=BASELINE,
    explore=EXPLORE,
    transfer=TRANSFER,
    pbt='configs/baselines/pbt_tiny_m4-1xb4-cos-2e_synthetic-panoptic.py',
    **{'am-lfs': 'configs/baselines/am-lfs_tiny_m8-1xb4-cos-6e_synthetic-'
       'panoptic.py'},
    gradnorm='configs/baselines/gradnorm_tiny_1xb4-cos-6e_synthetic-panoptic.py',  # noqa: E501
    uncertainty='configs/baselines/uncertainty_tiny_1xb4-cos-6e_synthetic-panoptic.py',  # noqa: E501
    **{m: f'configs/baselines/{m}_tiny_1xb4-cos-6e_synthetic-panoptic.py'
       for m in ('famo', 'dwa', 'rlw', 'imtl-l')})
#: The 1x-cost methods: one training of their own config each.
TRAINED = ('baseline', 'gradnorm', 'uncertainty', 'famo', 'dwa', 'rlw',
           'imtl-l', 'imtl-l-rescaled', 'uncertainty-rescaled',
           'geometric-mean', 'untrained-equalised')
_SCENES = '_tiny_1xb4-cos-6e_synthetic-panoptic-scenes.py'
#: The configs of each built-in dataset (``--dataset``): 'shapes' (the
#: first) and 'scenes' (the testbed in the paper's regime, m = 8 T = 12
#: exploration).
DATASETS = dict(
    shapes=CONFIGS,
    scenes=dict(
        baseline=f'configs/cascade_panoptic_fpn/cascade-panoptic-fpn{_SCENES}',
        explore=('configs/ada_segment/ada-segment-explore_tiny_m8-1xb4-cos-'
                 '6e_synthetic-panoptic-scenes.py'),
        transfer=f'configs/ada_segment/ada-segment{_SCENES}',
        **{'explore-equalised': (
            'configs/ada_segment/ada-segment-explore-equalised_tiny_m8-1xb4-'
            'cos-6e_synthetic-panoptic-scenes.py'),
           'untrained-equalised': (
               f'configs/ada_segment/ada-segment-untrained-equalised{_SCENES}'),
           'explore-long': (
               'configs/ada_segment/ada-segment-explore-long_tiny_m8-1xb4-'
               'cos-6e_synthetic-panoptic-scenes.py')},
        **{m: f'configs/baselines/{m}{_SCENES}'
           for m in ('uncertainty', 'dwa', 'imtl-l', 'imtl-l-rescaled',
                     'uncertainty-rescaled', 'geometric-mean')},
        static=f'configs/baselines/static-weights{_SCENES}',
        **{'am-lfs': ('configs/baselines/am-lfs_tiny_m8-1xb4-cos-6e_'
                      'synthetic-panoptic-scenes.py')}))
#: The keys ``--configs`` may set.
CONFIG_KEYS = tuple(dict.fromkeys(k for c in DATASETS.values() for k in c))
METHODS = ('baseline', 'ada-segment', 'ada-segment-a', 'final', 'pred',
           'single-dy', 'untrained', 'reward-local', 'pbt', 'am-lfs', 'grid',
           'grid-hook', 'bohb', 'gradnorm', 'uncertainty', 'famo', 'dwa',
           'rlw', 'imtl-l', 'imtl-l-rescaled', 'uncertainty-rescaled',
           'geometric-mean', 'ada-segment-equalised', 'ada-segment-a-equalised',
           'untrained-equalised', 'ada-segment-long', 'ada-segment-a-long')
#: An exploration's variant (a method's suffix) -> its config key: the
#: equalised start of Eq. 1, the two-horizon population (issue 23)
VARIANTS = {'-equalised': 'explore-equalised', '-long': 'explore-long'}
TRANSFER_MODES = ('final', 'pred', 'single-dy', 'untrained')
DEFAULT = ('baseline', 'ada-segment', 'ada-segment-a', 'uncertainty')
GRID_SEED = 0  # Baseline-G searches its grid with this seed (proxy val)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--methods', nargs='+', default=list(DEFAULT),
                        choices=METHODS + ('all', ))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--out', default='work_dirs/benchmark')
    parser.add_argument('--dataset', default='shapes',
                        choices=list(DATASETS),
                        help='the built-in dataset whose configs the '
                        'methods use (default: shapes, the first)')
    parser.add_argument('--configs', nargs='+', default=[],
                        metavar='KEY=CONFIG',
                        help='replace configs (keys: '
                        f'{" ".join(CONFIG_KEYS)})')
    parser.add_argument('--gpus', type=int, default=1,
                        help='processes per run (> 1: tools/dist_*.sh)')
    parser.add_argument('--explore-gpus', type=int, default=None,
                        help='processes per exploration (default: --gpus); '
                        'members are spread over them, so unlike a '
                        'training the result does not depend on it')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='passed to every run (e.g. another dataset)')
    parser.add_argument('--controller', default=None,
                        help='a saved controller.pth for the transfer modes '
                        '(no exploration; Table 3)')
    args = parser.parse_args()
    if 'all' in args.methods:
        args.methods = list(METHODS)
    args.config = dict(DATASETS[args.dataset])
    for item in args.configs:
        key, _, path = item.partition('=')
        if key not in CONFIG_KEYS or not path:
            parser.error(f'--configs: expected KEY=CONFIG with KEY one of '
                         f'{", ".join(CONFIG_KEYS)}, got {item!r}')
        if not osp.isfile(path):
            parser.error(f'--configs: {path} is not a file')
        args.config[key] = path
    for method in args.methods:
        key = config_key(method)
        if key not in args.config:
            parser.error(f'--methods {method}: --dataset {args.dataset} has '
                         f'no {key} config; give one with --configs '
                         f'{key}=CONFIG')
    if args.controller is not None:
        if not osp.isfile(args.controller):
            parser.error(f'--controller: {args.controller} is not a file')
        needs_exploration = [
            m for m in args.methods
            if m.startswith('ada-segment-a')
            or m in ('reward-local', 'pbt', 'am-lfs', 'grid')
        ]
        if needs_exploration:
            parser.error('--controller: only the transfer modes use it; '
                         f'drop {" ".join(needs_exploration)}')
    return args


class Diverged(Exception):
    """A training stopped at a non-finite loss (FiniteLossHook's
    FloatingPointError): a result (the method diverged), not a failure of
    the benchmark."""

    def __init__(self, seconds, message):
        super().__init__(message)
        self.seconds = seconds


def diverged(result):
    """Whether a run's metrics (or training result) are of a diverged
    training."""
    return bool(result.get('diverged'))


class Bench:
    """Runs tools, caches their results and times."""

    def __init__(self, args):
        self.args = args
        os.makedirs(args.out, exist_ok=True)

    def tool(self, work_dir, script, *argv, options=(), gpus=None):
        """Run tools/<script>, log to work_dir; return (seconds, output).
        Raises :class:`Diverged` if a training stopped at a non-finite loss;
        any other failure ends the benchmark with the output's tail."""
        os.makedirs(work_dir, exist_ok=True)
        gpus = gpus or self.args.gpus
        if gpus > 1:  # tools/dist_train.sh CONFIG [CKPT] GPUS ...
            cmd = ['bash', f'tools/dist_{script[:-3]}.sh', *argv,
                   str(gpus), '--work-dir', work_dir]
        else:
            cmd = [sys.executable, f'tools/{script}', *argv, '--work-dir',
                   work_dir]
        opts = list(options) + self.args.cfg_options
        if opts:
            cmd += ['--cfg-options', *opts]
        # this checkout's mmada first: from a frozen copy (a git worktree),
        # the tools would otherwise import the installed (editable) mmada,
        # i.e. another checkout's code
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            p for p in (REPO, os.environ.get('PYTHONPATH')) if p))
        start = time.time()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, env=env)
        seconds = time.time() - start
        log = osp.join(work_dir, f'{osp.basename(script)[:-3]}.log')
        with open(log, 'w') as f:
            f.write(' '.join(cmd) + '\n' + proc.stdout)
        if proc.returncode != 0:
            # the exception's last line; torchrun prefixes a rank's lines
            # (e.g. '[rank0]: FloatingPointError: ...')
            prefix = 'FloatingPointError: '
            stops = [line.split(prefix, 1)[1]
                     for line in proc.stdout.splitlines() if prefix in line]
            if stops and script == 'train.py':
                raise Diverged(seconds, stops[-1])
            tail = '\n'.join(proc.stdout.splitlines()[-25:])
            sys.exit(f'{" ".join(cmd)} failed:\n{tail}')
        return seconds, proc.stdout

    def cached(self, work_dir, fn, wait=True):
        """fn() -> dict, cached as work_dir/result.json.

        Several benchmark processes may share ``--out`` (e.g. one per core,
        each with its own methods): a run another live process has started
        (``work_dir/.running`` holds its pid) is waited for (``wait``; else
        None is returned at once), not run twice; the file of a process
        that died is taken over.
        """
        path = osp.join(work_dir, 'result.json')
        lock = osp.join(work_dir, '.running')
        os.makedirs(work_dir, exist_ok=True)
        while not osp.isfile(path):
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if not _alive(lock):
                    os.remove(lock)
                elif not wait:
                    return None
                else:
                    time.sleep(10)
                continue
            try:
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
                if osp.isfile(path):  # finished while we took the lock
                    break
                result = fn()
                tmp = path + '.tmp'
                with open(tmp, 'w') as f:
                    json.dump(result, f)
                os.replace(tmp, path)
                return result
            finally:
                os.remove(lock)
        with open(path) as f:
            return json.load(f)

    def train(self, name, seed, config, options=(), wait=True):
        """A training run: its wall time and its last proxy-val metrics
        (None if another process runs it and not ``wait``). A training
        that stopped at a non-finite loss gives NaN metrics, no checkpoint
        and ``diverged`` (the error)."""
        work_dir = osp.join(self.args.out, name, f'seed{seed}')

        def run():
            try:
                seconds, out = self.tool(work_dir, 'train.py', config,
                                         options=[f'randomness.seed={seed}',
                                                  *options])
            except Diverged as e:
                return dict(seconds=e.seconds, val=metrics(''),
                            checkpoint=None, diverged=str(e))
            with open(osp.join(work_dir, 'last_checkpoint')) as f:
                checkpoint = f.read().strip()
            return dict(seconds=seconds, val=metrics(out),
                        checkpoint=checkpoint)

        return self.cached(work_dir, run, wait)

    def explore(self, name, seed, config, options=()):
        work_dir = osp.join(self.args.out, name, f'seed{seed}')

        def run():
            seconds, _ = self.tool(work_dir, 'explore.py', config,
                                   options=[f'randomness.seed={seed}',
                                            *options],
                                   gpus=self.args.explore_gpus)
            return dict(seconds=seconds,
                        controller=osp.join(work_dir, 'controller.pth'),
                        checkpoint=osp.join(work_dir, 'best_model.pth'))

        return self.cached(work_dir, run)

    def test(self, name, seed, checkpoint, config=None, options=()):
        """Test metrics of a checkpoint; NaN and ``diverged`` for a
        training that diverged (``checkpoint`` None)."""
        if checkpoint is None:
            return dict(metrics(''), diverged=True)
        work_dir = osp.join(self.args.out, name, f'seed{seed}', 'test')

        def run():
            _, out = self.tool(work_dir, 'test.py',
                               config or self.args.config['baseline'],
                               checkpoint, options=options)
            return metrics(out)

        return self.cached(work_dir, run)


def config_key(method):
    """The ``--configs`` key of the config a method runs."""
    if method in TRAINED or method in ('pbt', 'am-lfs'):
        return method
    if method == 'grid':
        return 'baseline'
    if method in ('grid-hook', 'bohb'):
        return 'static'
    if method in ('ada-segment-a', 'reward-local'):
        return 'explore'
    for suffix, key in VARIANTS.items():
        if method.startswith('ada-segment') and method.endswith(suffix):
            return key  # Comb-dy's transferred by the 'transfer' config
    return 'transfer'


def _alive(lock):
    """Whether the process whose pid ``lock`` holds is running (a lock still
    empty is being written, unless it is a minute old)."""
    try:
        with open(lock) as f:
            pid = f.read()
        if not pid:
            return time.time() - os.path.getmtime(lock) < 60
        os.kill(int(pid), 0)
    except (OSError, ValueError):
        return False
    return True


def run_method(bench, method, seed):
    """(test metrics, wall seconds) of one method and seed."""
    if method in TRAINED:
        r = bench.train(method, seed, bench.args.config[method])
        return bench.test(method, seed, r['checkpoint']), r['seconds']
    if method in ('pbt', 'am-lfs'):  # the exploration's best model
        r = bench.explore(method, seed, bench.args.config[method])
        return bench.test(method, seed, r['checkpoint']), r['seconds']
    if method in ('grid', 'grid-hook'):
        return run_grid(bench, seed, method)
    if method == 'bohb':
        return run_bohb(bench, seed)
    if bench.args.controller is not None:  # transfer only (Table 3)
        ex = dict(seconds=0.0, controller=bench.args.controller)
    else:
        reward = 'local' if method == 'reward-local' else 'local+imp'
        ex_name = 'explore-local' if reward == 'local' else 'explore'
        key = 'explore'
        for suffix, variant in VARIANTS.items():
            if method.endswith(suffix):
                ex_name = key = variant
        ex = bench.explore(ex_name, seed, bench.args.config[key],
                           [f'train_cfg.reward={reward}'])
    if method.startswith('ada-segment-a'):
        return bench.test(method, seed, ex['checkpoint']), ex['seconds']
    mode = method if method in TRANSFER_MODES else 'comb-dy'
    r = bench.train(method, seed, bench.args.config['transfer'], [
        f'custom_hooks.1.weighting.controller={ex["controller"]}',
        f'custom_hooks.1.weighting.mode={mode}'
    ])
    return (bench.test(method, seed, r['checkpoint']),
            ex['seconds'] + r['seconds'])


def grid_point(det, seg, method='grid'):
    """The run name, config key and --cfg-options of one Baseline-G grid
    point (``mmada/baselines/grid.py``: ``grid`` through the heads'
    loss_weight, ``grid-hook`` through LossWeightHook); (1, 1) is the
    Baseline itself (its run is reused)."""
    if det == seg == 1.0:  # all 1 through the hook: the Baseline too
        return 'baseline', 'baseline', []
    way = 'hook' if method == 'grid-hook' else 'config'
    key = 'static' if way == 'hook' else 'baseline'
    return f'{method}/det{det}_seg{seg}', key, grid_options(det, seg, way)


def run_grid(bench, seed, method='grid'):
    """Baseline-G: the 9 grid points trained with seed GRID_SEED, the best on
    the proxy val split, then that point trained with ``seed`` and tested.
    Cost: the 9 search trainings + that one training (for GRID_SEED it is
    one of the 9, reused, and still counted: 9 + 1 trainings for every
    seed, as a user who re-trains the chosen point pays)."""
    search, pending = {}, grid_points()
    while pending:  # points another process is training: come back later
        for point in list(pending):
            name, key, options = grid_point(*point, method)
            search[point] = bench.train(name, GRID_SEED,
                                        bench.args.config[key], options,
                                        wait=len(pending) == 1)
            if search[point] is not None:
                pending.remove(point)
        if pending:
            time.sleep(10)
    det, seg = max(search, key=lambda point: _score(search[point]))
    name, key, options = grid_point(det, seg, method)
    r = bench.train(name, seed, bench.args.config[key], options)
    seconds = sum(s['seconds'] for s in search.values()) + r['seconds']
    return bench.test(method, seed, r['checkpoint']), seconds


def _score(result):
    """Proxy-val PQ for choosing a grid point; a diverged point is never
    chosen (NaN compares unordered)."""
    pq = result['val']['PQ']
    return -math.inf if diverged(result) or math.isnan(pq) else pq


def run_bohb(bench, seed):
    """Baseline-BOHB: ``tools/analysis/bohb_search.py`` once with seed
    GRID_SEED on the proxy val split (Optuna's TPE and Hyperband, within one
    m = 8, T = 12 exploration's training iterations), then the best weights
    trained with ``seed`` and tested. Cost: the search + that training."""
    config = bench.args.config['static']
    work_dir = osp.join(bench.args.out, 'bohb', 'search')

    def run():
        seconds, _ = bench.tool(work_dir, 'analysis/bohb_search.py', config,
                                '--seed', str(GRID_SEED), gpus=1)
        with open(osp.join(work_dir, 'best.json')) as f:
            return dict(json.load(f), seconds=seconds)

    best = bench.cached(work_dir, run)
    weights = ','.join(str(w) for w in best['loss_weights'])
    r = bench.train('bohb', seed, config,
                    [f'custom_hooks.1.weighting.loss_weights=[{weights}]'])
    return (bench.test('bohb', seed, r['checkpoint']),
            best['seconds'] + r['seconds'])


def table(results, base_seconds):
    """Mean ± std over seeds, the paired PQ differences to the Baseline
    (per seed, in seed order) and the cost. A seed whose training diverged
    is left out of the mean ± std and shown as ``diverged``."""
    lines = ['| Method | ' + ' | '.join(KEYS) +
             ' | ΔPQ vs Baseline, per seed (mean) | Cost |',
             '|---|' + '---|' * (len(KEYS) + 2)]
    base = [m['PQ'] for m, _ in results['baseline']]
    for method, runs in results.items():
        cost = mean(s for _, s in runs) / base_seconds
        ok = [m for m, _ in runs if not diverged(m)]
        if not ok:
            lines.append(f'| {method} | diverged (non-finite loss) on every '
                         'seed |' + ' |' * len(KEYS) + f' {cost:.1f}x |')
            continue
        cells = []
        for key in KEYS:  # over the seeds that did not diverge
            values = [m[key] for m in ok]
            cells.append(f'{mean(values):.1f} ± {pstdev(values):.1f}')
        diffs = [None if diverged(m) else m['PQ'] - b
                 for (m, _), b in zip(runs, base)]
        paired = '-' if method == 'baseline' else ', '.join(
            'diverged' if d is None else f'{d:+.1f}' for d in diffs
        ) + f' ({mean(d for d in diffs if d is not None):+.1f})'
        lines.append(f'| {method} | ' + ' | '.join(cells) +
                     f' | {paired} | {cost:.1f}x |')
    return '\n'.join(lines)


def time_spent(results):
    """Where the time went: each method's wall time over its seeds (runs
    shared between methods, e.g. one exploration, are counted for each)."""
    totals = {m: sum(s for _, s in runs) for m, runs in results.items()}
    whole = sum(totals.values()) or 1.0
    lines = ['Where the time went (wall time over the seeds; a shared '
             'exploration counts for every method that uses it):']
    for method, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        lines.append(f'  {method:<16} {seconds / 60:7.1f} min '
                     f'{100 * seconds / whole:5.1f} %')
    return '\n'.join(lines)


def plot(results, base_seconds, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for method, runs in results.items():
        cost = mean(s for _, s in runs) / base_seconds
        pq = [m['PQ'] for m, _ in runs if not diverged(m)]
        if not pq:
            continue
        ax.errorbar(cost, mean(pq), yerr=pstdev(pq), fmt='o', capsize=3)
        ax.annotate(method, (cost, mean(pq)), textcoords='offset points',
                    xytext=(5, 5), fontsize=8)
    ax.set(xlabel='cost (x one Baseline training)', ylabel='PQ (test split)',
           title='PQ against cost (mean +- std over seeds)')
    fig.savefig(path, dpi=100, bbox_inches='tight')
    plt.close(fig)


def main():
    args = parse_args()
    bench = Bench(args)
    methods = list(dict.fromkeys(['baseline'] + args.methods))
    results = {m: [] for m in methods}
    for seed in args.seeds:
        for method in methods:
            print(f'[benchmark] {method}, seed {seed}', flush=True)
            results[method].append(run_method(bench, method, seed))
    base_seconds = mean(s for _, s in results['baseline'])
    md = table(results, base_seconds)
    header = (f'Test split, mean ± std over seeds {args.seeds}; cost = wall '
              'time / one Baseline training '
              f'({base_seconds / 60:.1f} min).\n\n')
    with open(osp.join(args.out, 'table.md'), 'w') as f:
        f.write(header + md + '\n')
    with open(osp.join(args.out, 'results.json'), 'w') as f:
        json.dump({m: [dict(metrics=x, seconds=s) for x, s in runs]
                   for m, runs in results.items()}, f, indent=1)
    plot(results, base_seconds, osp.join(args.out, 'pq_vs_cost.png'))
    print(header + md)
    print('\n' + time_spent(results))
    print(f'\n{args.out}/table.md, {args.out}/pq_vs_cost.png')


if __name__ == '__main__':
    main()
