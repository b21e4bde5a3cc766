"""Each baseline runs from its config at tiny size (CPU): GradNorm,
uncertainty weighting, Baseline-P (PBT) and a Baseline-G grid point; and the
benchmark's table."""
import json
import os
import sys

import pytest
from e2e import EXPLORE_SMALL, SMALL, TINY, tool

ONE_EPOCH = ['train_cfg.max_epochs=1', *SMALL]


@pytest.mark.e2e
@pytest.mark.parametrize('name', ['gradnorm', 'uncertainty'])
def test_weighting_baseline_trains(name, tmp_path):
    config = f'configs/baselines/{name}_tiny_1xb4-cos-6e_synthetic-panoptic.py'
    tool('train.py', config, '--work-dir', str(tmp_path), '--cfg-options',
         *ONE_EPOCH)
    from mmada.utils import load_checkpoint_file
    state = load_checkpoint_file(str(tmp_path / 'epoch_1.pth'))
    weights = state['loss_weights']['loss_weights']
    assert len(weights) == 10 and all(w > 0 for w in weights)
    assert weights != [1.0] * 10  # learned, not the Baseline's
    assert 'weighting' in state['loss_weights']  # its state resumes


@pytest.mark.e2e
def test_pbt_baseline_explores(tmp_path):
    config = 'configs/baselines/pbt_tiny_m4-1xb4-cos-2e_synthetic-panoptic.py'
    out = tool('explore.py', config, '--work-dir', str(tmp_path),
               '--cfg-options', *EXPLORE_SMALL).stdout
    assert 'best member' in out
    with open(tmp_path / 'explore_log.jsonl') as f:
        log = [json.loads(line) for line in f]
    members = log[1]['members']
    assert members[0]['loss_weights'] == [1.0
                                          ] * 10  # member 0 keeps the best's
    assert {round(w, 6) for w in members[1]['loss_weights']} <= {0.8, 1.2}
    assert os.path.isfile(tmp_path / 'best_model.pth')
    assert not os.path.isfile(tmp_path / 'controller.pth')


def test_pbt_m8_is_the_m8_exploration_with_pbt():
    """Baseline-P of the m = 8 benchmark: Ada-Segment's m = 8, T = 12
    exploration, only the strategy changed."""
    from mmengine.config import Config
    pbt = Config.fromfile(
        'configs/baselines/pbt_tiny_m8-1xb4-cos-6e_synthetic-panoptic.py')
    explore = Config.fromfile(
        'configs/ada_segment/'
        'ada-segment-explore_tiny_m8-1xb4-cos-6e_synthetic-panoptic.py')
    assert pbt.train_cfg.pop('strategy') == 'pbt'
    assert 'strategy' not in explore.train_cfg
    assert pbt.to_dict() == explore.to_dict()
    assert (pbt.train_cfg.population, pbt.train_cfg.checkpoints) == (8, 12)


@pytest.mark.e2e
def test_grid_point_weights_through_the_model_config(tmp_path):
    """Baseline-G sets the detection group's weight through the stage loss
    weights and the semantic weight through loss_seg (as Panoptic FPN's
    grid search did): at the first iteration (same weights, same batch) the
    logged losses scale by exactly those factors."""
    import re

    def first_losses(work_dir, *options):
        out = tool('train.py', TINY, '--work-dir', str(work_dir),
                   '--cfg-options', *SMALL, 'train_cfg.max_epochs=1',
                   'train_dataloader.dataset.indices=4', *options).stdout
        line = re.search(r'Epoch\(train\) \[1\]\[1/1\].*', out).group(0)
        return {k: float(v) for k, v in re.findall(
            r'(s0\.loss_cls|loss_seg): ([0-9.]+)', line)}

    base = first_losses(tmp_path / 'base')
    grid = first_losses(
        tmp_path / 'grid',
        'model.roi_head.stage_loss_weights=[0.6666667,0.6666667,0.6666667]',
        'model.semantic_head.loss_seg.loss_weight=0.5')
    assert grid['s0.loss_cls'] / base['s0.loss_cls'] == pytest.approx(
        2.0, rel=1e-3)  # lambda_det = 2: stage weight 2/3 instead of 1/3
    assert grid['loss_seg'] / base['loss_seg'] == pytest.approx(0.5, rel=1e-3)


def test_benchmark_table_format():
    sys.path.insert(0, 'tools/analysis')
    from benchmark_methods import metrics, table
    out = ('coco_panoptic/PQ: 20.0000  coco_panoptic/SQ: 60.0000  '
           'coco_panoptic/RQ: 30.0000  coco_panoptic/PQ_th: 5.0000  '
           'coco_panoptic/PQ_st: 40.0000')
    assert metrics(out) == dict(PQ=20.0, PQ_th=5.0, PQ_st=40.0, SQ=60.0,
                                RQ=30.0)
    runs = {
        'baseline': [(dict(PQ=20, PQ_th=5, PQ_st=40, SQ=60, RQ=30), 100),
                     (dict(PQ=22, PQ_th=7, PQ_st=42, SQ=62, RQ=32), 100)],
        'ada-segment': [(dict(PQ=24, PQ_th=9, PQ_st=44, SQ=64, RQ=34), 500),
                        (dict(PQ=24, PQ_th=9, PQ_st=44, SQ=64, RQ=34), 700)]
    }
    md = table(runs, base_seconds=100).splitlines()
    # mean +- population std over seeds; PQ minus the Baseline's of the same
    # seed (24 - 20, 24 - 22) and their mean; cost = mean seconds /
    # baseline's
    assert md[2] == ('| baseline | 21.0 ± 1.0 | 6.0 ± 1.0 | 41.0 ± 1.0 | '
                     '61.0 ± 1.0 | 31.0 ± 1.0 | - | 1.0x |')
    assert md[3] == ('| ada-segment | 24.0 ± 0.0 | 9.0 ± 0.0 | 44.0 ± 0.0 | '
                     '64.0 ± 0.0 | 34.0 ± 0.0 | +4.0, +2.0 (+3.0) | 6.0x |')


def test_benchmark_time_spent():
    sys.path.insert(0, 'tools/analysis')
    from benchmark_methods import time_spent
    runs = {'baseline': [({}, 60.0), ({}, 60.0)],
            'ada-segment': [({}, 300.0), ({}, 180.0)]}
    lines = time_spent(runs).splitlines()
    # 480 s of 600 s = 80 %, 120 s = 20 %; the largest first
    assert lines[1].split() == ['ada-segment', '8.0', 'min', '80.0', '%']
    assert lines[2].split() == ['baseline', '2.0', 'min', '20.0', '%']


def test_benchmark_grid_searches_with_seed_0_then_trains_the_best(
        monkeypatch):
    """Baseline-G: the 9 points trained with seed 0 (the point (1, 1) is the
    Baseline run), the best on proxy val, then that point with each seed;
    the cost is the 9 search trainings + that one training."""
    sys.path.insert(0, 'tools/analysis')
    import benchmark_methods as bm
    monkeypatch.setattr(sys, 'argv', ['benchmark_methods.py'])
    args = bm.parse_args()
    calls = []
    # proxy-val PQ of the search: (2, 0.5) is the best
    val = {(0.5, 0.5): 10., (0.5, 1.0): 11., (0.5, 2.0): 9., (1.0, 0.5): 12.,
           (1.0, 1.0): 13., (1.0, 2.0): 8., (2.0, 0.5): 15., (2.0, 1.0): 14.,
           (2.0, 2.0): 7.}

    class FakeBench:

        def __init__(self):
            self.args = args

        def train(self, name, seed, config, options=(), wait=True):
            calls.append((name, seed, list(options)))
            point = (1.0, 1.0) if name == 'baseline' else tuple(
                float(x[3:]) for x in name.split('/')[1].split('_'))
            return dict(seconds=100.0 + seed, val=dict(PQ=val[point]),
                        checkpoint=f'{name}-{seed}.pth')

        def test(self, name, seed, checkpoint, config=None):
            return dict(PQ=checkpoint)

    metrics, seconds = bm.run_grid(FakeBench(), 1)
    assert [(n, s) for n, s, _ in calls[:9]] == [
        ('grid/det0.5_seg0.5', 0), ('grid/det0.5_seg1.0', 0),
        ('grid/det0.5_seg2.0', 0), ('grid/det1.0_seg0.5', 0),
        ('baseline', 0), ('grid/det1.0_seg2.0', 0), ('grid/det2.0_seg0.5', 0),
        ('grid/det2.0_seg1.0', 0), ('grid/det2.0_seg2.0', 0)]
    assert calls[4][2] == []  # the Baseline: no options
    # det 2 over 3 stages: 2/3 each; semantic 0.5
    assert calls[9] == ('grid/det2.0_seg0.5', 1, [
        f'model.roi_head.stage_loss_weights=[{2 / 3},{2 / 3},{2 / 3}]',
        'model.semantic_head.loss_seg.loss_weight=0.5'])
    assert metrics == dict(PQ='grid/det2.0_seg0.5-1.pth')
    assert seconds == 9 * 100.0 + 101.0  # 9 searches (seed 0) + 1 (seed 1)


def test_benchmark_transfer_with_a_saved_controller(tmp_path, monkeypatch):
    """--controller: the transfer modes train with that file and explore
    nothing (their cost is the transfer alone); methods that need an
    exploration are refused."""
    sys.path.insert(0, 'tools/analysis')
    import benchmark_methods as bm
    ctrl = tmp_path / 'controller.pth'
    ctrl.write_bytes(b'x')
    monkeypatch.setattr(sys, 'argv', [
        'benchmark_methods.py', '--methods', 'ada-segment', 'pred',
        '--controller', str(ctrl)
    ])
    args = bm.parse_args()
    calls = []

    class FakeBench:

        def __init__(self):
            self.args = args

        def explore(self, *a, **k):
            raise AssertionError('explored')

        def train(self, name, seed, config, options=(), wait=True):
            calls.append((name, config, list(options)))
            return dict(seconds=10.0, checkpoint='c.pth')

        def test(self, name, seed, checkpoint, config=None):
            return dict(PQ=1.0)

    metrics, seconds = bm.run_method(FakeBench(), 'pred', 0)
    assert seconds == 10.0 and metrics == dict(PQ=1.0)
    assert calls == [('pred', args.config['transfer'], [
        f'custom_hooks.1.weighting.controller={ctrl}',
        'custom_hooks.1.weighting.mode=pred'
    ])]
    monkeypatch.setattr(sys, 'argv', [
        'benchmark_methods.py', '--methods', 'ada-segment-a',
        '--controller', str(ctrl)
    ])
    with pytest.raises(SystemExit):
        bm.parse_args()


@pytest.mark.e2e
def test_benchmark_command_end_to_end(tmp_path):
    """The benchmark command at tiny size (2 seeds of the Baseline, one
    epoch of 16 iterations each): every run tested with the checkpoint it
    saved last, the table and the plot written, and a second invocation
    reuses the finished runs instead of training again."""
    out_dir = str(tmp_path / 'bench')
    args = ['--methods', 'baseline', '--seeds', '0', '1', '--out', out_dir,
            '--cfg-options', *ONE_EPOCH]
    out = tool('analysis/benchmark_methods.py', *args).stdout
    assert '[benchmark] baseline, seed 1' in out
    with open(os.path.join(out_dir, 'table.md')) as f:
        table = f.read()
    assert '| baseline |' in table and '| 1.0x |' in table
    assert os.path.isfile(os.path.join(out_dir, 'pq_vs_cost.png'))
    with open(os.path.join(out_dir, 'results.json')) as f:
        runs = json.load(f)['baseline']
    assert len(runs) == 2 and all(r['seconds'] > 0 for r in runs)
    with open(os.path.join(out_dir, 'baseline', 'seed0', 'result.json')) as f:
        assert json.load(f)['checkpoint'].endswith('epoch_1.pth')
    log = os.path.join(out_dir, 'baseline', 'seed0', 'train.log')
    stamp = os.path.getmtime(log)
    tool('analysis/benchmark_methods.py', *args)
    assert os.path.getmtime(log) == stamp  # not trained again
    with open(os.path.join(out_dir, 'table.md')) as f:
        assert f.read() == table  # the same results and times


def test_benchmark_grid_hook_on_scenes_applies_the_weights_as_lambda(
        monkeypatch):
    """grid-hook: the same 9 points, each through StaticWeighting (one
    weight per loss: 9 detection losses, then loss_seg) on the static-weights
    config; (1, 1) is the Baseline's run."""
    sys.path.insert(0, 'tools/analysis')
    import benchmark_methods as bm
    from mmengine.config import Config
    monkeypatch.setattr(sys, 'argv', ['benchmark_methods.py', '--dataset',
                                      'scenes', '--methods', 'grid-hook'])
    args = bm.parse_args()
    assert args.config['baseline'].endswith('synthetic-panoptic-scenes.py')
    calls = []

    class FakeBench:

        def __init__(self):
            self.args = args

        def train(self, name, seed, config, options=(), wait=True):
            calls.append((name, seed, config, list(options)))
            return dict(seconds=10.0, val=dict(PQ=float(len(calls))),
                        checkpoint='c.pth')

        def test(self, name, seed, checkpoint, config=None):
            return dict(PQ=1.0)

    bm.run_grid(FakeBench(), 2, 'grid-hook')
    assert calls[4] == ('baseline', 0, args.config['baseline'], [])
    # the best (last trained) search point: (2, 2), then with seed 2
    name, seed, config, options = calls[9]
    assert (name, seed) == ('grid-hook/det2.0_seg2.0', 2)
    assert config == args.config['static']
    assert options == ['custom_hooks.1.weighting.loss_weights='
                       '[2.0,2.0,2.0,2.0,2.0,2.0,2.0,2.0,2.0,2.0]']
    # the option reaches the hook's rule as a list, as --cfg-options gives it
    cfg = Config.fromfile(config)
    _, _, options = bm.grid_point(0.5, 2.0, 'grid-hook')
    key, value = options[0].split('=')
    cfg.merge_from_dict({key: [float(v) for v in value[1:-1].split(',')]},
                        allow_list_keys=True)
    rule = cfg.custom_hooks[1].weighting
    assert rule.type == 'StaticWeighting'
    assert rule.loss_weights == [0.5] * 9 + [2.0]
    assert cfg.loss_weighting.losses[-1] == 'loss_seg'


def test_benchmark_dataset_picks_its_configs(monkeypatch, capsys):
    """--dataset scenes: every method's config is the scenes one (files that
    exist); a method the dataset has no config for is refused."""
    sys.path.insert(0, 'tools/analysis')
    import benchmark_methods as bm
    for key, path in bm.DATASETS['scenes'].items():
        assert os.path.isfile(path) and 'scenes' in path, key
    monkeypatch.setattr(sys, 'argv', [
        'benchmark_methods.py', '--dataset', 'scenes', '--methods', 'all'
    ])
    with pytest.raises(SystemExit):
        bm.parse_args()
    assert ('--methods pbt: --dataset scenes has no pbt config; give one '
            'with --configs pbt=CONFIG') in capsys.readouterr().err


@pytest.mark.e2e
def test_bohb_search_runs_resumes_and_weights_the_losses(tmp_path):
    """Baseline-BOHB's search on a slice of the scenes data: trials within
    the budget of training iterations, a second call with a larger budget
    continues the same study, and the best trial's weights reach its run
    (the visualizer's loss_weights scalars)."""
    static = ('configs/baselines/'
              'static-weights_tiny_1xb4-cos-6e_synthetic-panoptic-scenes.py')
    small = ['train_cfg.max_epochs=2', 'train_dataloader.dataset.indices=16',
             'val_dataloader.dataset.indices=4', 'param_scheduler.0.end=2',
             'default_hooks.logger.interval=1']
    for budget in ('8', '16'):  # 4 iterations an epoch, 2 epochs a trial
        tool('analysis/bohb_search.py', static, '--out', str(tmp_path),
             '--budget-iters', budget, '--val-every', '1', '--cfg-options',
             *small)
        with open(tmp_path / 'best.json') as f:
            best = json.load(f)
        assert best['iters'] <= int(budget)
        assert best['trials'] == int(budget) // 8  # one more on resume
    assert len(best['loss_weights']) == 10
    assert best['loss_weights'][-1] == best['group_weights']['loss_seg']
    assert all(0.25 <= w <= 4 for w in best['loss_weights'])
    trial = tmp_path / f'trial{best["trial"]}'
    [scalars] = list(trial.glob('*/vis_data/scalars.json'))
    with open(scalars) as f:
        first = json.loads(f.readline())
    assert first['loss_weights/loss_seg'] == best['loss_weights'][-1]
    assert first['loss_weights/s1.loss_bbox'] == best['loss_weights'][4]


def test_benchmark_cache_waits_for_a_run_another_process_started(
        tmp_path, monkeypatch):
    """Two benchmark processes sharing --out: a run whose .running file
    names a live process is waited for and its result read, not run again
    (or skipped, for the grid's search points); the .running file of a dead
    process is taken over."""
    import subprocess
    import threading
    sys.path.insert(0, 'tools/analysis')
    import benchmark_methods as bm
    monkeypatch.setattr(bm.time, 'sleep', lambda s: None)
    bench = bm.Bench(type('A', (), dict(out=str(tmp_path)))())
    work_dir = tmp_path / 'baseline' / 'seed0'
    work_dir.mkdir(parents=True)
    other = subprocess.Popen(['sleep', '30'])  # "another benchmark"
    (work_dir / '.running').write_text(str(other.pid))

    def finish():  # the other process writes its result (atomically, as
        # Bench does: the waiting loop spins without sleeping here)
        (work_dir / '.result.tmp').write_text('{"PQ": 1.0}')
        os.replace(work_dir / '.result.tmp', work_dir / 'result.json')
    timer = threading.Timer(0.2, finish)
    timer.start()
    ran = []
    assert bench.cached(str(work_dir), lambda: ran.append(1)) == dict(PQ=1.0)
    assert ran == []
    # without waiting (the grid's search points): None at once, not run
    work_dir = tmp_path / 'grid' / 'seed0'
    work_dir.mkdir(parents=True)
    (work_dir / '.running').write_text(str(other.pid))
    assert bench.cached(str(work_dir), lambda: ran.append(1),
                        wait=False) is None
    assert ran == [] and not (work_dir / 'result.json').exists()
    other.kill()
    other.wait()
    # a dead process's run: taken over, run here, the lock removed
    work_dir = tmp_path / 'baseline' / 'seed1'
    work_dir.mkdir()
    (work_dir / '.running').write_text(str(other.pid))
    assert bench.cached(str(work_dir), lambda: dict(PQ=2.0)) == dict(PQ=2.0)
    assert not (work_dir / '.running').exists()
    assert json.loads((work_dir / 'result.json').read_text()) == dict(PQ=2.0)


def test_benchmark_tools_import_this_checkouts_mmada(tmp_path, monkeypatch):
    """Run from a frozen copy (a git worktree), the benchmark's tools must
    import that copy's mmada, not the installed one: PYTHONPATH starts with
    the benchmark's own checkout, the caller's PYTHONPATH after it."""
    sys.path.insert(0, 'tools/analysis')
    import benchmark_methods as bm
    monkeypatch.setattr(sys, 'argv', ['benchmark_methods.py', '--out',
                                      str(tmp_path / 'out')])
    monkeypatch.setenv('PYTHONPATH', '/elsewhere')
    seen = {}

    def fake_run(cmd, env=None, **kwargs):
        seen.update(cmd=cmd, env=env)
        return type('Done', (), dict(returncode=0, stdout=''))()

    monkeypatch.setattr(bm.subprocess, 'run', fake_run)
    bm.Bench(bm.parse_args()).tool(str(tmp_path), 'train.py', 'a.py')
    repo = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    assert seen['env']['PYTHONPATH'] == os.pathsep.join([repo, '/elsewhere'])
    assert seen['cmd'][1:] == ['tools/train.py', 'a.py', '--work-dir',
                               str(tmp_path)]


def test_benchmark_diverged_runs_are_results(tmp_path, monkeypatch):
    """A training stopped by FiniteLossHook is a result: NaN metrics, no
    checkpoint, no test; the table leaves it out of the mean and says so;
    the grid never chooses it. Any other failure ends the benchmark."""
    sys.path.insert(0, 'tools/analysis')
    import benchmark_methods as bm
    monkeypatch.setattr(sys, 'argv', ['benchmark_methods.py', '--out',
                                      str(tmp_path)])
    stop = ('Traceback (most recent call last):\n  ...\nFloatingPointError: '
            'Iteration 61: loss = nan is not finite; the training stops here')
    outputs = [stop, 'Traceback\nValueError: bad config',
               '[rank1]: FloatingPointError: Iteration 7: s0.loss_cls = inf '
               'is not finite']

    def fake_run(cmd, env=None, **kwargs):
        return type('Done', (), dict(returncode=1, stdout=outputs.pop(0)))()

    monkeypatch.setattr(bm.subprocess, 'run', fake_run)
    bench = bm.Bench(bm.parse_args())
    r = bench.train('imtl-l', 0, 'a.py')
    assert r['checkpoint'] is None and bm.diverged(r)
    assert r['diverged'].startswith('Iteration 61: loss = nan')
    assert all(v != v for v in r['val'].values())  # NaN
    again = bench.train('imtl-l', 0, 'a.py')  # cached, not re-run
    assert again['diverged'] == r['diverged'] and len(outputs) == 2
    test = bench.test('imtl-l', 0, r['checkpoint'])
    assert bm.diverged(test) and test['PQ'] != test['PQ']
    with pytest.raises(SystemExit, match='ValueError: bad config'):
        bench.train('dwa', 0, 'b.py')
    # over several processes torchrun prefixes the rank
    assert bench.train('uw', 0, 'c.py')['diverged'] == (
        'Iteration 7: s0.loss_cls = inf is not finite')

    base = [(dict(PQ=20, PQ_th=5, PQ_st=40, SQ=60, RQ=30), 100),
            (dict(PQ=22, PQ_th=7, PQ_st=42, SQ=62, RQ=32), 100),
            (dict(PQ=24, PQ_th=9, PQ_st=44, SQ=64, RQ=34), 100)]
    nan = dict(bm.metrics(''), diverged=True)
    md = bm.table({'baseline': base,
                   'uw': [(dict(PQ=21, PQ_th=6, PQ_st=41, SQ=61, RQ=31), 100),
                          (nan, 50),
                          (dict(PQ=27, PQ_th=8, PQ_st=43, SQ=63, RQ=33), 150)],
                   'imtl-l': [(nan, 30)] * 3}, base_seconds=100).splitlines()
    # seeds 0 and 2: PQ 21, 27 -> 24 +- 3; differences +1, +3 -> mean +2
    assert md[3] == ('| uw | 24.0 ± 3.0 | 7.0 ± 1.0 | 42.0 ± 1.0 | '
                     '62.0 ± 1.0 | 32.0 ± 1.0 | +1.0, diverged, +3.0 (+2.0) '
                     '| 1.0x |')
    assert md[4] == ('| imtl-l | diverged (non-finite loss) on every seed '
                     '| | | | | | 0.3x |')

    search = {(1.0, 1.0): dict(val=dict(PQ=50.0)),
              (2.0, 2.0): dict(val=bm.metrics(''), diverged='nan'),
              (0.5, 0.5): dict(val=dict(PQ=51.0))}
    assert max(search, key=lambda p: bm._score(search[p])) == (0.5, 0.5)
