"""The two-horizon population (``train_cfg.long_horizon``): its windows,
settings, the per-group rewards and the per-sample states of the Eq. 6
step (numbers by hand), a long member's intervals on a stand-in loop, and
an exploration with it end to end (the log, resume inside a window)."""
import json
import math
import os
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from e2e import EXPLORE, EXPLORE_SMALL, explore_killed_after, tool

from mmada.controller import WeightController
from mmada.engine.runner.explore_loop import ExploreLoop
from mmada.engine.runner.long_horizon import LongHorizon, check_long_horizon
from mmada.engine.runner.settings import check_explore_settings
from mmada.engine.runner.strategies import AdaSegmentStrategy


def test_windows_of_K_checkpoints_the_last_ends_at_T():
    lh = LongHorizon(members=2, intervals=2, population=4, num_checkpoints=5)
    assert lh.members == [2, 3]
    assert [lh.window(t) for t in range(1, 6)] == [(1, 2), (1, 2), (3, 4),
                                                   (3, 4), (5, 5)]
    assert [t for t in range(1, 6) if lh.starts(t)] == [1, 3, 5]
    assert [t for t in range(1, 6) if lh.ends(t)] == [2, 4, 5]
    lh = LongHorizon(members=3, intervals=3, population=8, num_checkpoints=12)
    assert lh.members == [5, 6, 7]
    assert lh.window(7) == (7, 9) and lh.window(12) == (10, 12)


def test_a_resume_re_trains_the_open_window_only():
    lh = LongHorizon(members=2, intervals=3, population=4, num_checkpoints=6)
    window = dict(first=1)
    assert lh.pending(dict(checkpoint=0)) == []  # no window yet
    assert lh.pending(dict(checkpoint=1, long_window=window)) == [1]
    assert lh.pending(dict(checkpoint=2, long_window=window)) == [1, 2]
    assert lh.pending(dict(checkpoint=3, long_window=window)) == []  # closed


@pytest.mark.parametrize('cfg, population, strategy, message', [
    (dict(members=2, intervals=1), 8, 'ada-segment', 'intervals must be an'),
    (dict(members=1), 8, 'ada-segment', 'each group needs >= 2 members'),
    (dict(members=3), 4, 'ada-segment', 'members=3 of population=4'),
    (dict(members=2), 8, 'pbt', "for strategy='ada-segment'"),
    (dict(member=2), 8, 'ada-segment', "unknown keys ['member']"),
])
def test_bad_long_horizons_are_refused(cfg, population, strategy, message):
    with pytest.raises((ValueError, KeyError), match=message.replace(
            '[', r'\[').replace(']', r'\]')):
        check_long_horizon(cfg, population, strategy)


def test_the_paper_is_the_default():
    s = check_explore_settings(dict(type='ExploreLoop', max_epochs=2))
    assert s['long_horizon'] == dict(members=0, intervals=3)
    s = check_explore_settings(
        dict(max_epochs=2, long_horizon=dict(members=2, intervals=4)))
    assert s['long_horizon'] == dict(members=2, intervals=4)


def _strategy():
    return AdaSegmentStrategy(['a', 'b'], population=4, num_checkpoints=4,
                              sigma=0.2, seed=0, reward='local+imp',
                              controller=dict(),
                              reward_cfg=dict(baseline='none'))


def test_each_group_is_rewarded_within_itself():
    """t = 2 of T = 4, Eq. 5 without the baseline: (t/T)(r_local + r_imp).
    Short members v = [50, 52] against v_best 49: r_local = [-1, 1] (mean
    51, std 1), r_imp = [1, 3] / 1 -> 0.5 * [0, 4] = [0, 2]. Long members
    v = [40, 44] against their window's v_best 41: r_local = [-1, 1] (std
    2), r_imp = [-1, 3] / 2 -> 0.5 * [-1.5, 2.5] = [-0.75, 1.25] (against
    49 it would be [-2.75, -0.75])."""
    state = dict(l_best=[1.0, 1.0], l_ref=[1.0, 1.0], v_best=49.0)
    v = np.array([50.0, 52.0, 40.0, 44.0])
    valid = np.ones(4, dtype=bool)
    samples = torch.ones(4, 2, dtype=torch.float64)
    long = dict(members=[2, 3], evaluated=True, l_best=[1.0, 1.0],
                v_best=41.0)
    rewards, info = _strategy().learn(2, state, samples, v, valid, long=long)
    np.testing.assert_allclose(rewards, [0.0, 2.0, -0.75, 1.25])
    assert info['mean_reward'] == pytest.approx(0.625)  # all 4 in the step
    assert info['reward_total_mean'] == pytest.approx(1.0)
    assert info['long_reward_total_mean'] == pytest.approx(0.25)
    # inside the window: the long members wait, out of the step
    rewards, info = _strategy().learn(2, state, samples, v, valid,
                                      long=dict(long, evaluated=False))
    np.testing.assert_allclose(rewards, [0.0, 2.0, np.nan, np.nan])
    assert info['mean_reward'] == pytest.approx(1.0)
    assert 'long_reward_total_mean' not in info


def test_no_long_group_is_the_paper_bit_for_bit():
    state = dict(l_best=[0.5, 2.0], l_ref=[1.0, 1.0], v_best=49.0)
    v = np.array([50.0, 52.0, 40.0, 44.0])
    valid = np.array([True, True, True, False])
    samples = torch.tensor([[1.1, 0.9], [0.8, 1.3], [1.0, 1.0], [1.2, 0.7]],
                           dtype=torch.float64)
    a, b = _strategy(), _strategy()
    ra, _ = a.learn(3, state, samples, v, valid)
    rb, _ = b.learn(3, state, samples, v, valid, long=None)
    np.testing.assert_array_equal(ra, rb)
    for key, value in a.state_dict()['policy'].items():
        assert torch.equal(value, b.state_dict()['policy'][key]), key


def test_each_sample_is_scored_at_the_state_it_came_from():
    """The untrained equaliser (equalise='mean'): lambda = mean(l) / l, so
    state A, l = [1, 3], gives mu = [2, 2/3] and state B, l = [2, 2], mu =
    [1, 1]. Each sample is its state's mu, so z = 0 and (log-normal) log s
    = -2 (log 0.2 + log(2 pi) / 2) - sum log lam_hat: 1.3809989 -
    log(4/3) = 1.0933168 for A's, 1.3809989 for B's; with r = [1, -1] the
    objective J = (1.0933168 - 1.3809989) / 2 = -0.1438411. Both scored at
    A, B's sample would be ~8 nats less likely."""
    ctrl = WeightController(['a', 'b'], equalise='mean')
    samples = torch.tensor([[2.0, 2.0 / 3.0], [1.0, 1.0]],
                           dtype=torch.float64)
    info = ctrl.update([1.0, 3.0], [1.0, 1.0], samples, [1.0, -1.0],
                       sample_losses=[[1.0, 3.0], [2.0, 2.0]])
    assert info['objective'] == pytest.approx(-0.1438411, abs=1e-6)
    wrong = WeightController(['a', 'b'], equalise='mean').update(
        [1.0, 3.0], [1.0, 1.0], samples, [1.0, -1.0])
    assert wrong['objective'] > 3.0
    with pytest.raises(ValueError, match=r'`sample_losses` must have shape'):
        ctrl.update([1.0, 3.0], [1.0, 1.0], samples, [1.0, -1.0],
                    sample_losses=[[1.0, 3.0]])


def _stand_in_loop(intervals=2):
    """run_long_member on a stand-in: training appends t to the model."""
    loop = SimpleNamespace(
        long_horizon=LongHorizon(2, intervals, 4, 4), long_states={},
        model=None, trained=[])

    def run_member(t, j, w, start, evaluate=True):
        loop.model = start + [t]
        loop.trained.append((t, j, evaluate))
        result = dict(member=j, ok=evaluate, v=float('nan'), metrics={},
                      losses=[0.5], error=None)
        if not evaluate:
            result.update(pending=True, error='pending: long horizon')
        return result

    loop.run_member = run_member
    loop.training_state = lambda: list(loop.model)
    return loop


def test_a_long_member_keeps_its_model_through_its_window():
    loop = _stand_in_loop()
    best = {1: ['M0'], 2: ['M1'], 3: ['M2'], 4: ['M3']}  # M_best^{t-1}
    for t in range(1, 5):
        result = ExploreLoop.run_long_member(loop, t, 3, [1.0], best[t])
        assert result.get('pending', False) == (t in (1, 3))
        assert result['long']
        assert loop.model == {1: ['M0', 1], 2: ['M0', 1, 2], 3: ['M2', 3],
                              4: ['M2', 3, 4]}[t]
    assert [e for _, _, e in loop.trained] == [False, True, False, True]
    assert loop.long_states == {3: None}  # nothing kept after a window


def test_a_long_member_that_failed_stays_failed_in_its_window():
    loop = _stand_in_loop(intervals=3)
    loop.long_states[2] = None  # failed at checkpoint 1
    result = ExploreLoop.run_long_member(loop, 2, 2, [1.0], ['M1'])
    assert not result['ok'] and result['pending']
    assert result['error'] == 'failed earlier in its window'
    result = ExploreLoop.run_long_member(loop, 3, 2, [1.0], ['M2'])
    assert not result['ok'] and not result['pending']  # -1 at the end
    assert loop.trained == []


# -- end to end -------------------------------------------------------------
# m = 4 (2 long), K = 2, T = 3: windows [1, 2] and [3]
LONG = [o for o in EXPLORE_SMALL
        if 'population' not in o and 'checkpoints' not in o] + [
            'train_cfg.population=4', 'train_cfg.checkpoints=3',
            'train_cfg.long_horizon.members=2',
            'train_cfg.long_horizon.intervals=2']


def _log(work_dir):
    with open(os.path.join(work_dir, 'explore_log.jsonl')) as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope='module')
def long_explored(tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('long'))
    tool('explore.py', EXPLORE, '--work-dir', work_dir, '--cfg-options',
         *LONG)
    return work_dir


@pytest.mark.e2e
def test_the_log_of_a_long_horizon_exploration(long_explored):
    log = _log(long_explored)
    assert [e['checkpoint'] for e in log] == [0, 1, 2, 3]
    c1, c2, c3 = (e['members'] for e in log[1:])
    for m in c1[2:]:  # inside the window: trained, not evaluated
        assert m['pending'] and m['v'] is None and m['reward'] is None
        assert m['losses'] is not None
    for m in c2[2:] + c3[2:]:  # at a window's end: evaluated, rewarded
        assert 'pending' not in m and m['ok'] and m['reward'] is not None
    for a, b in zip(c1[2:], c2[2:]):  # the window's weights held
        assert a['loss_weights'] == b['loss_weights']
    assert c3[2]['loss_weights'] != c2[2]['loss_weights']  # a new window
    assert all(m['ok'] for m in c1[:2] + c2[:2] + c3[:2])
    assert [m.get('long', False) for m in c1] == [False, False, True, True]
    ctrl = torch.load(os.path.join(long_explored, 'controller.pth'),
                      weights_only=False)
    assert len(ctrl['snapshots']) == 3  # one pi^t per checkpoint
    # the diagnostics count a pending member as neither valid nor failed
    # and correlate the one-interval members only (2 per checkpoint: < 3)
    out = tool('analysis/explore_diagnostics.py', long_explored,
               '--correlate', 'loss_seg').stdout
    assert 'no checkpoint to measure' in out


@pytest.mark.e2e
def test_resume_inside_a_window_equals_uninterrupted(long_explored,
                                                     tmp_path):
    """SIGKILL after checkpoint 1 (the long members half-way through their
    window), --resume: they are re-trained from the window's start, and the
    exploration ends exactly as the uninterrupted one."""
    work_dir = str(tmp_path)
    explore_killed_after(work_dir, LONG)
    out = tool('explore.py', EXPLORE, '--work-dir', work_dir, '--resume',
               '--cfg-options', *LONG).stdout
    assert 're-training the long members over checkpoints 1..1' in out
    a, b = _log(long_explored), _log(work_dir)
    assert [e.get('v_best') for e in a] == [e.get('v_best') for e in b]
    assert [[m['v'] for m in e['members']] for e in a[1:]] == \
        [[m['v'] for m in e['members']] for e in b[1:]]
    ca = torch.load(os.path.join(long_explored, 'controller.pth'),
                    weights_only=False)
    cb = torch.load(os.path.join(work_dir, 'controller.pth'),
                    weights_only=False)
    for pa, pb in zip(ca['snapshots'], cb['snapshots']):
        for key in pa:
            assert torch.equal(pa[key], pb[key]), key
    assert not math.isnan(a[-1]['v_best'])
