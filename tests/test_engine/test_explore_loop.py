"""The exploration loop (Algorithm 1) end to end: artifacts, resume after a
kill, two and four processes, ranks that compute differently; and its
settings checks and best-member choice as unit tests."""
import json
import os
import sys

import numpy as np
import pytest
import torch
from e2e import (EXPLORE, EXPLORE_SMALL, ROOT, explore_killed_after, run,
                 tool)

from mmada.engine.runner.explore_loop import ExploreLoop
from mmada.engine.runner.report import DIAGNOSTICS
from mmada.engine.runner.settings import check_explore_settings
from mmada.utils import load_checkpoint_file

NAMES = [
    's0.loss_cls', 's0.loss_bbox', 's0.loss_mask', 's1.loss_cls',
    's1.loss_bbox', 's1.loss_mask', 's2.loss_cls', 's2.loss_bbox',
    's2.loss_mask', 'loss_seg'
]


def read_log(work_dir):
    with open(os.path.join(work_dir, 'explore_log.jsonl')) as f:
        return [json.loads(line) for line in f]


def assert_same_exploration(a, b):
    """Same controller trajectory, same best model."""
    ca = load_checkpoint_file(os.path.join(a, 'controller.pth'))
    cb = load_checkpoint_file(os.path.join(b, 'controller.pth'))
    assert len(ca['snapshots']) == len(cb['snapshots']) == 2
    for pa, pb in zip(ca['snapshots'], cb['snapshots']):
        for key in pa:
            assert torch.equal(pa[key], pb[key]), key
    assert torch.equal(ca['best_loss_weights'], cb['best_loss_weights'])
    ma = load_checkpoint_file(os.path.join(a, 'best_model.pth'))['state_dict']
    mb = load_checkpoint_file(os.path.join(b, 'best_model.pth'))['state_dict']
    for key in ma:
        assert torch.equal(ma[key], mb[key]), key
    la, lb = read_log(a), read_log(b)
    assert [e.get('v_best') for e in la] == [e.get('v_best') for e in lb]


@pytest.mark.e2e
def test_artifacts(explored):
    files = set(os.listdir(explored))
    assert {'controller.pth', 'explore_log.jsonl', 'best_model.pth',
            'explore_state.pth', 'loss_weights.png', 'pq.png',
            'learning.png'} <= files
    for png in ('loss_weights.png', 'pq.png', 'learning.png'):
        with open(os.path.join(explored, png), 'rb') as f:
            assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    log = read_log(explored)
    assert [e['checkpoint'] for e in log] == [0, 1, 2]
    assert log[0]['pseudo_epoch'] and len(log[0]['losses']) == 10
    for entry in log[1:]:
        assert entry['loss_names'] == NAMES
        assert len(entry['loss_weights']) == 10
        assert len(entry['members']) == 2
        for member in entry['members']:
            assert len(member['loss_weights']) == 10
            assert isinstance(member['reward'], float)
            if member['ok']:
                assert set(member) >= {'PQ', 'PQ_th', 'PQ_st', 'losses'}
                assert member['v'] == member['PQ']
        assert 'other' in entry['time']
        # the learning diagnostics (README "Is the controller learning?")
        diagnostics = set(DIAGNOSTICS) - {'state_move'}
        assert diagnostics <= set(entry['controller'])
    # the state's move needs the previous checkpoint's pi^{t-1}(l^{t-1})
    assert 'state_move' not in log[1]['controller']
    assert log[2]['controller']['state_move'] >= 0
    # pi^1, pi^2 and lambda_best^T: what a transfer run loads
    ctrl = load_checkpoint_file(os.path.join(explored, 'controller.pth'))
    assert ctrl['loss_names'] == NAMES and len(ctrl['snapshots']) == 2
    best = load_checkpoint_file(os.path.join(explored, 'best_model.pth'))
    assert 'dataset_meta' in best['meta'] and best['state_dict']
    # scalars also went to mmengine's visualizer (LocalVisBackend here)
    scalars = [
        os.path.join(d, f) for d, _, fs in os.walk(explored) for f in fs
        if f == 'scalars.json'
    ]
    text = ''.join(open(p).read() for p in scalars)
    assert 'explore/loss_weights/loss_seg' in text and 'explore/v_best' in text
    assert 'explore/learning/policy_move' in text


@pytest.mark.e2e
def test_best_model_tests_with_tools_test(explored, tmp_path):
    from e2e import TINY, metric
    out = tool('test.py', TINY, os.path.join(explored, 'best_model.pth'),
               '--work-dir', str(tmp_path), '--cfg-options',
               'test_dataloader.dataset.indices=8').stdout
    # M_best^T learned something: a 16-iteration model tests above PQ 0
    assert metric(out, 'PQ') > 0


@pytest.mark.e2e
def test_resume_after_kill_equals_uninterrupted(explored, tmp_path):
    """SIGKILL once checkpoint 1 is written, --resume: the same controller
    trajectory and the same best model as the uninterrupted run."""
    work_dir = str(tmp_path)
    explore_killed_after(work_dir, EXPLORE_SMALL)
    assert len(read_log(work_dir)) == 2  # killed after checkpoint 1
    # another m or interval: refused by name, the saved state untouched
    changed = [o for o in EXPLORE_SMALL if 'population' not in o]
    proc = run([sys.executable, 'tools/explore.py', EXPLORE, '--work-dir',
                work_dir, '--resume', '--cfg-options', *changed,
                'train_cfg.population=4'], check=False)
    assert proc.returncode != 0
    assert 'made with another exploration schedule (population 2 -> 4)' \
        in proc.stdout
    assert len(read_log(work_dir)) == 2
    out = tool('explore.py', EXPLORE, '--work-dir', work_dir, '--resume',
               '--cfg-options', *EXPLORE_SMALL).stdout
    assert 'resumed from' in out and 'after checkpoint 1/2' in out
    assert_same_exploration(explored, work_dir)


@pytest.mark.e2e
def test_two_processes_same_trajectory(explored, tmp_path):
    """Members spread over 2 gloo processes (one each): the same controller
    trajectory as 1 process (both with 1 torch thread per member)."""
    out = run(['bash', 'tools/dist_explore.sh', EXPLORE, '2', '--work-dir',
               str(tmp_path), '--cfg-options', *EXPLORE_SMALL],
              env=dict(PORT='29622')).stdout
    assert '2 process(es), 1 per member' in out
    assert_same_exploration(explored, str(tmp_path))


@pytest.mark.parametrize('settings, message', [
    (dict(population=1), 'train_cfg.population must be an integer >= 2'),
    (dict(sigma=0), 'train_cfg.sigma must be > 0'),
    (dict(checkpoints=0), r'train_cfg.checkpoints \(T\) must be >= 1'),
    (dict(interval=0), r'train_cfg.interval \(q\) must be >= 1'),
    (dict(reward='imp'), "train_cfg.reward must be 'local\\+imp' or 'local'"),
    (dict(strategy='grid'), "train_cfg.strategy must be one of"),
    (dict(popsize=4), r"unknown ExploreLoop keys \['popsize'\]"),
    (dict(cooldown_iters=-1), 'train_cfg.cooldown_iters must be an integer'),
    (dict(cooldown_schedule='step'),
     "train_cfg.cooldown_schedule must be 'linear' or 'cosine'"),
])
def test_bad_settings_are_refused(settings, message):
    with pytest.raises((ValueError, KeyError), match=message):
        check_explore_settings(settings)


def test_settings_get_the_defaults():
    s = check_explore_settings(dict(population=4))
    assert s['population'] == 4 and s['sigma'] == 0.2
    assert s['reward'] == 'local+imp' and s['strategy'] == 'ada-segment'


def test_best_member_is_the_first_highest_valid():
    results = [dict(member=0, ok=True, v=3.0), dict(member=1, ok=False,
                                                    v=9.0),
               dict(member=2, ok=True, v=5.0), dict(member=3, ok=True, v=5.0)]
    assert ExploreLoop.best_member(results) == 2
    assert ExploreLoop.best_member([dict(member=0, ok=False, v=1.0)]) is None


@pytest.mark.e2e
def test_members_data_parallel_over_their_groups(tmp_path):
    """4 processes for 2 members: each member is trained data-parallel by
    its own group of 2 processes (and evaluated by it). A group's batch is
    2 x 4 images: 32 images are 4 iterations per epoch, so q = 2."""
    out = run(['bash', 'tools/dist_explore.sh', EXPLORE, '4', '--work-dir',
               str(tmp_path), '--cfg-options', *EXPLORE_SMALL,
               'train_cfg.interval=2'],
              env=dict(PORT='29644')).stdout
    assert '4 process(es), 2 per member' in out
    log = read_log(str(tmp_path))
    assert [e['checkpoint'] for e in log] == [0, 1, 2]
    assert all(len(e['members']) == 2 for e in log[1:])
    ctrl = load_checkpoint_file(os.path.join(str(tmp_path), 'controller.pth'))
    assert len(ctrl['snapshots']) == 2


def _perturbed_config(tmp_path, rank):
    """The small exploration with PerturbRankHook on ``rank``, and the exp
    policy output, whose lambda depends on the state x = l / l^1 even
    before it learns (the default's is 1 at every state, and at this size
    the members' PQ ties, so nothing is learned): a rank with its own l^1
    would propose its own lambda."""
    config = tmp_path / 'perturbed.py'
    config.write_text(
        f"_base_ = '{os.path.join(ROOT, EXPLORE)}'\n"
        "custom_imports = dict(imports=['mmada', 'perturb_rank'],\n"
        '                      allow_failed_imports=False)\n'
        "custom_hooks = [dict(type='LossWeightHook'),\n"
        f"                dict(type='PerturbRankHook', rank={rank})]\n"
        "train_cfg = dict(controller=dict(output='exp', param_scale=1.0))\n")
    return str(config)


@pytest.mark.e2e
@pytest.mark.parametrize('procs, extra, port', [
    (2, [], '29633'), (4, ['train_cfg.interval=2'], '29655')
], ids=['one member per rank', 'members data-parallel over groups'])
def test_ranks_that_compute_differently_end_the_same(tmp_path, procs, extra,
                                                     port):
    """The last rank's pseudo epoch is perturbed (its l^1, M^0 and PQ
    differ): every rank still ends with rank 0's controller and the same
    best model, and every member trained with the weights that
    controller.pth and explore_log.jsonl record."""
    work_dir = str(tmp_path / 'run')
    run(['bash', 'tools/dist_explore.sh',
         _perturbed_config(tmp_path, procs - 1), str(procs), '--work-dir',
         work_dir, '--cfg-options', *EXPLORE_SMALL, *extra],
        env=dict(PORT=port,
                 PYTHONPATH=os.path.join(ROOT, 'tests', 'test_engine')))
    dumps = [
        torch.load(os.path.join(work_dir, f'rank{r}.pth'), weights_only=False)
        for r in range(procs)
    ]
    saved = load_checkpoint_file(os.path.join(work_dir, 'controller.pth'))
    for dump in dumps:
        ctrl = dump['controller']
        assert len(ctrl['snapshots']) == len(saved['snapshots']) == 2
        for mine, theirs in zip(ctrl['snapshots'], saved['snapshots']):
            for key in mine:
                assert torch.equal(mine[key], theirs[key]), key
        for key, value in dump['model'].items():
            assert torch.equal(value, dumps[0]['model'][key]), key
    # members 0, 1 at checkpoints 1, 2: the weights the log (rank 0's
    # samples) gives; rank r trains the members of its group
    log = read_log(work_dir)
    group = max(1, procs // 2)
    for r, dump in enumerate(dumps):
        trained = dump['trained'][1:]  # [0] is the pseudo epoch (all 1)
        member = r // group
        expected = [e['members'][member]['loss_weights'] for e in log[1:]
                    if e['members'][member]['losses'] is not None]
        assert expected  # (a sample with a negative entry is not trained)
        np.testing.assert_allclose(trained, expected, rtol=1e-12,
                                   err_msg=f'rank {r}')


@pytest.mark.parametrize('pq, ok', [(float('nan'), False), (31.5, True)])
def test_a_nan_metric_fails_that_member_alone(pq, ok):
    """run_member on a stand-in loop: a member whose proxy-val PQ is NaN is
    failed (reward -1 later), like a member whose loss is; the run goes
    on."""
    from types import SimpleNamespace
    warnings = []
    loop = SimpleNamespace(
        load_training_state=lambda start: None,
        report=SimpleNamespace(log_member=lambda t, j: None),
        train_interval=lambda t, w: np.array([0.5, 0.25]),
        weighting=SimpleNamespace(names=['loss_a', 'loss_b']),
        evaluate_cooled=lambda t, w: {'coco_panoptic/PQ': pq},
        settings=dict(metric='coco_panoptic/PQ'),
        runner=SimpleNamespace(logger=SimpleNamespace(
            warning=warnings.append)))
    result = ExploreLoop.run_member(loop, 1, 0, [1.0, 1.0], {})
    assert result['ok'] is ok
    if not ok:
        assert result['error'] == ('FloatingPointError: coco_panoptic/PQ = '
                                   'nan is not finite')
        assert 'member 1 failed' in warnings[0]
        assert not result['crashed']  # trained: its losses are kept


@pytest.mark.e2e
def test_explore_diagnostics_reads_an_exploration(explored, tmp_path):
    """tools/analysis/explore_diagnostics.py on a finished exploration: a
    row per checkpoint and the correlation of a loss's weight with PQ."""
    out_md = str(tmp_path / 'diag.md')
    out = tool('analysis/explore_diagnostics.py', explored, '--out', out_md,
               '--correlate', 'loss_seg').stdout
    assert os.path.isfile(out_md)
    assert 'loss_seg' in out
