"""The reward audit: its arithmetic by hand, and one small run."""
import json
import math
import os
import sys

import numpy as np
import pytest
from e2e import EXPLORE, run

from mmada.engine.runner.explore_loop import cooldown_factor
from mmada.engine.runner.reward_audit import (adopted, audit_table,
                                              audit_weightings,
                                              bootstrap_interval,
                                              check_audit_settings,
                                              kendall_tau)


@pytest.mark.parametrize('i,n,schedule,expected', [
    (0, 4, 'linear', 1.0), (2, 4, 'linear', 0.5), (3, 4, 'linear', 0.25),
    (0, 4, 'cosine', 1.0), (2, 4, 'cosine', 0.5),
    (1, 4, 'cosine', (1 + math.sqrt(0.5)) / 2)
])
def test_cooldown_factor(i, n, schedule, expected):
    assert cooldown_factor(i, n, schedule) == pytest.approx(expected)


def test_cooldown_factor_refuses_an_unknown_schedule():
    with pytest.raises(ValueError, match='cosine'):
        cooldown_factor(0, 4, 'step')


def test_kendall_tau_by_hand():
    # pairs (0,1), (0,2) concordant, (1,2) discordant: (2 - 1) / 3
    assert kendall_tau([1, 2, 3], [1, 3, 2]) == pytest.approx(1 / 3)
    # a tie in x: C=2, D=0, n_x = 3 pairs untied in x or tied in x alone,
    # n_y = 2: tau-b = 2 / sqrt(3 * 2)
    assert kendall_tau([1, 1, 2], [1, 2, 3]) == pytest.approx(2 / math.sqrt(6))
    # the NaN pair is left out: the first case again
    assert kendall_tau([1, float('nan'), 2, 3],
                       [1, 5, 3, 2]) == pytest.approx(1 / 3)
    assert kendall_tau([3, 2, 1], [1, 2, 3]) == -1.0
    assert math.isnan(kendall_tau([1, 1], [1, 2]))


def test_bootstrap_interval_of_a_constant_is_the_constant():
    assert bootstrap_interval([0.5, 0.5, 0.5]) == (0.5, 0.5)
    low, high = bootstrap_interval([0.0, 1.0], draws=2000)
    assert 0.0 <= low < 0.5 < high <= 1.0


def _row(seed, branch, name, interval, cooldown, final):
    cost = dict(seconds=1.0, iters=4)
    return dict(seed=seed, branch=branch, weighting=name,
                scores=dict(interval=interval, cooldown=cooldown,
                            horizon=interval, final=final),
                cost=dict(interval=cost, cooldown=dict(cost, iters=6),
                          horizon=dict(cost, iters=12)))


def test_audit_table_and_the_rule_by_hand():
    rows = [
        # group (0, 3): (a) ranks in reverse (tau -1), (b) right (+1)
        _row(0, 3, 'w1', 3, 1, 1), _row(0, 3, 'w2', 2, 2, 2),
        _row(0, 3, 'w3', 1, 3, 3),
        # group (1, 3): (a) tau 1/3 (as in test_kendall_tau_by_hand), (b) +1
        _row(1, 3, 'w1', 1, 1, 1), _row(1, 3, 'w2', 3, 2, 2),
        _row(1, 3, 'w3', 2, 3, 3),
    ]
    table = audit_table(rows, draws=2000)
    assert table['interval']['taus'] == pytest.approx([-1, 1 / 3])
    assert table['interval']['tau'] == pytest.approx(-1 / 3)
    assert table['cooldown']['tau'] == pytest.approx(1.0)
    # paired differences 2 and 2/3: mean 4/3, every resample above 0
    assert table['cooldown']['diff'] == pytest.approx(4 / 3)
    assert table['cooldown']['diff_interval'][0] >= 2 / 3 - 1e-9
    assert table['horizon']['diff'] == 0.0
    assert table['cooldown']['iters'] == 6
    assert adopted(table) == ['cooldown']
    # a margin above the difference: nothing passes
    assert adopted(table, margin=1.5) == []


def test_a_candidate_that_is_the_final_pq_predicts_nothing():
    """Group (0, 9): (c)'s score is the final PQ (its horizon ends at T),
    so it has no tau there; its mean and its paired difference with (a)
    come from group (0, 3) alone: tau +1 against (a)'s -1 -> diff 2."""
    rows = [_row(0, 3, 'w1', 3, 1, 1), _row(0, 3, 'w2', 2, 2, 2),
            _row(0, 3, 'w3', 1, 3, 3)]
    for r in rows:
        r['scores']['horizon'] = r['scores']['final']
    rows[0]['scores']['horizon'] = 0.5  # not the final PQ: still +1
    rows += [_row(0, 9, 'w1', 1, 1, 1), _row(0, 9, 'w2', 2, 2, 2),
             _row(0, 9, 'w3', 3, 3, 3)]
    for r in rows[3:]:
        r['scores']['horizon'] = r['scores']['final']
    table = audit_table(rows, draws=200)
    assert table['interval']['taus'] == pytest.approx([-1, 1])
    assert table['horizon']['taus'][0] == pytest.approx(1)
    assert np.isnan(table['horizon']['taus'][1])
    assert table['horizon']['tau'] == pytest.approx(1)
    assert table['horizon']['diff'] == pytest.approx(2)


def test_audit_weightings():
    got = audit_weightings(['a', 'loss_seg'], 'loss_seg', (0.5, 2),
                           [[1.1, 0.9]])
    assert got == {'seg x0.5': [1.0, 0.5], 'seg x2': [1.0, 2.0],
                   'sample 1': [1.1, 0.9]}
    with pytest.raises(KeyError, match='loss_mask'):
        audit_weightings(['a'], 'loss_mask', (1, ), [])


@pytest.mark.parametrize('audit,message', [
    (dict(colour=1), 'unknown keys'),
    (dict(branches=[9], horizon=4), 'passes T = 12'),
    (dict(horizon=1), 'at least 2'),
    (dict(cooldown_schedule='step'), 'cooldown_schedule'),
    (dict(seg_factors=[0, 1]), 'positive'),
])
def test_bad_audit_settings_are_refused(audit, message):
    with pytest.raises((KeyError, ValueError), match=message):
        check_audit_settings(audit, 12)


@pytest.mark.e2e
def test_audit_runs_resumes_and_tabulates(tmp_path):
    work_dir = str(tmp_path / 'audit')
    args = [
        sys.executable, 'tools/analysis/reward_audit.py', 'run', EXPLORE,
        '--work-dir', work_dir, '--branches', '1', '--seg-factors', '0.5',
        '2', '--samples', '1', '--cooldown-iters', '2', '--horizon', '2',
        '--cfg-options', 'train_cfg.checkpoints=4', 'train_cfg.interval=4',
        'train_dataloader.dataset.indices=48',
        'val_dataloader.dataset.indices=8'
    ]
    run(args)
    with open(os.path.join(work_dir, 'reward_audit.jsonl')) as f:
        rows = [json.loads(line) for line in f]
    assert [r['weighting'] for r in rows] == ['seg x0.5', 'seg x2',
                                              'sample 1']
    for r in rows:
        assert set(r['scores']) == {'interval', 'cooldown', 'horizon',
                                    'final'}
        assert r['cost']['cooldown']['iters'] == 4 + 2
        assert r['cost']['horizon']['iters'] == 2 * 4
    assert rows[0]['loss_weights'][-1] == 0.5
    # a rerun with --resume trains nothing and keeps the lines
    out = run(args + ['--resume']).stdout
    assert '[audit] branch' not in out and 'trunk from' in out
    out = run([sys.executable, 'tools/analysis/reward_audit.py', 'table',
               work_dir]).stdout
    assert '(b) (a) + lr cooldown' in out and 'Pass the rule' in out


def test_cooldown_anneals_the_lr_and_restores_it():
    """ExploreLoop.cooldown on a stand-in loop: lr x (1, 3/4, 1/2, 1/4) on
    the 4 iterations (linear), the weights set, the lr restored after."""
    from types import SimpleNamespace

    import torch

    from mmada.engine.runner import ExploreLoop

    class Sampler:

        def set_epoch(self, epoch):
            self.epoch = epoch

    sampler = Sampler()
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.08)
    seen = []

    class Model:

        def train(self):
            pass

        def train_step(self, batch, optim_wrapper):
            seen.append(optim_wrapper.optimizer.param_groups[0]['lr'])

    set_to = []
    loop = SimpleNamespace(
        runner=SimpleNamespace(model=Model(),
                               optim_wrapper=SimpleNamespace(
                                   optimizer=optimizer)),
        weighting=SimpleNamespace(set_loss_weights=set_to.append),
        seed=0,
        report=SimpleNamespace(timing=dict(train=0.0)))

    class Loader(list):
        batch_sampler = SimpleNamespace(sampler=sampler)

    loop.dataloader = Loader(range(10))
    ExploreLoop.cooldown(loop, 5, [1.0, 2.0], 4, 'linear')
    assert seen == pytest.approx([0.08, 0.06, 0.04, 0.02])
    assert set_to == [[1.0, 2.0]]
    assert optimizer.param_groups[0]['lr'] == 0.08
    assert sampler.epoch == 6 * 10_000  # the next interval's batches


def _cooled_loop(events, cooldown_iters, fail=False):
    from types import SimpleNamespace

    def evaluate():
        events.append('evaluate')
        if fail:
            raise RuntimeError('evaluation failed')
        return {'coco_panoptic/PQ': 50.0}

    return SimpleNamespace(
        settings=dict(cooldown_iters=cooldown_iters,
                      cooldown_schedule='cosine'),
        training_state=lambda: 'member before the cooldown',
        cooldown=lambda *args: events.append(('cooldown', ) + args),
        evaluate=evaluate,
        load_training_state=lambda state: events.append(('load', state)))


@pytest.mark.parametrize('fail', [False, True])
def test_cooled_evaluation_scores_a_copy_and_keeps_the_member(fail):
    """train_cfg.cooldown_iters: v is the cooled copy's, and the member
    goes on from before its cooldown (also when the evaluation fails)."""
    from mmada.engine.runner import ExploreLoop
    events = []
    loop = _cooled_loop(events, 3, fail)
    if fail:
        with pytest.raises(RuntimeError):
            ExploreLoop.evaluate_cooled(loop, 4, [1.0, 2.0])
    else:
        assert ExploreLoop.evaluate_cooled(loop, 4, [1.0, 2.0]) == {
            'coco_panoptic/PQ': 50.0}
    assert events == [('cooldown', 4, [1.0, 2.0], 3, 'cosine'), 'evaluate',
                      ('load', 'member before the cooldown')]


def test_without_cooldown_v_is_the_members_own():
    from mmada.engine.runner import ExploreLoop
    events = []
    ExploreLoop.evaluate_cooled(_cooled_loop(events, 0), 4, [1.0])
    assert events == ['evaluate']


@pytest.mark.e2e
def test_an_exploration_with_the_reward_options(tmp_path):
    """The cooled reward and the noise floor (PQ_se from the metric's
    bootstrap) in one small exploration."""
    from e2e import EXPLORE_SMALL, tool
    work_dir = str(tmp_path / 'explore')
    out = tool('explore.py', EXPLORE, '--work-dir', work_dir, '--cfg-options',
               *EXPLORE_SMALL, 'train_cfg.cooldown_iters=2',
               'train_cfg.reward_cfg.noise_floor=True',
               'val_evaluator.bootstrap=50').stdout
    assert 'v after a cooldown of 2 iterations (linear lr to 0)' in out
    with open(os.path.join(work_dir, 'explore_log.jsonl')) as f:
        last = [json.loads(line) for line in f][-1]
    se = [m['PQ_se'] for m in last['members']]
    assert all(x >= 0 for x in se)
    assert last['controller']['noise_floor'] == pytest.approx(np.mean(se))
    assert last['checkpoint'] == 2
