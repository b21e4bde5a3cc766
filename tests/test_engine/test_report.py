"""The learning diagnostics of an exploration, on hand-built checkpoints:
what the report adds (the state's move), what the log and the visualizer
get, the PNG, and the summary script."""
import json
import math
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from mmada.engine.runner.report import (DIAGNOSTICS, ExploreReport,
                                        plot_learning)

NAMES = ['a', 'b']


class Recorder:

    def __init__(self):
        self.scalars, self.lines = {}, []

    def add_scalars(self, scalars, step):
        for k, v in scalars.items():
            self.scalars.setdefault(k, {})[step] = v

    def info(self, line):
        self.lines.append(line)


def _update(policy_move, loss_weights_after):
    """What AdaSegmentStrategy.learn returns, hand-made."""
    return dict(reward_local_mean=0.0, reward_local_std=1.0,
                reward_imp_mean=2.0, reward_imp_std=1.0,
                reward_total_mean=0.0, reward_total_std=1.0, grad_norm=5.0,
                grad_norm_centred=3.0, grad_cosine_centred=0.6,
                offset_share=0.8, policy_move=policy_move,
                loss_weights_after=loss_weights_after)


def _report(tmp_path):
    recorder = Recorder()
    runner = SimpleNamespace(visualizer=recorder, logger=recorder,
                             work_dir=str(tmp_path))
    report = ExploreReport(runner, num_checkpoints=2, population=2,
                           interval=4, num_members=2)
    report.add_pseudo_epoch(NAMES, np.array([1.0, 2.0]), 10.0)
    return report, recorder


def _checkpoint(report, t, lam, update):
    samples = torch.tensor([[1.0, 1.0], [1.2, 0.8]], dtype=torch.float64)
    results = [
        dict(member=j, ok=True, v=10.0 + t + j, losses=np.ones(2),
             metrics={}, error=None) for j in range(2)
    ]
    state = dict(v_best=11.0 + t, l_best=np.ones(2))
    report.add_checkpoint(t, torch.tensor(lam, dtype=torch.float64), samples,
                          results, np.array([-1.0, 1.0]), 1, update, state)


def test_state_move_log_and_visualizer_by_hand(tmp_path):
    """Checkpoint 1 proposes lambda^1 = [1, 1]; its step gives pi^1 with
    pi^1(l^1) = [e, 1] (policy move rms(log e, 0) = sqrt(1/2)). Checkpoint 2
    proposes pi^1(l^2) = [e^2, 1]: the state moved log lambda by rms(1, 0) =
    sqrt(1/2) as well."""
    report, recorder = _report(tmp_path)
    _checkpoint(report, 1, [1.0, 1.0], _update(math.sqrt(0.5), [math.e, 1]))
    _checkpoint(report, 2, [math.e**2, 1.0], _update(0.1, [1.0, 1.0]))
    first, second = report.history[1]['controller'], report.history[2][
        'controller']
    assert 'state_move' not in first  # no pi^0(l^0)
    assert second['state_move'] == pytest.approx(math.sqrt(0.5), abs=1e-12)
    for key in set(DIAGNOSTICS) - {'state_move'}:
        assert recorder.scalars[f'explore/learning/{key}'][1] == first[key]
    assert recorder.scalars['explore/learning/state_move'] == {
        2: second['state_move']
    }
    line = [m for m in recorder.lines if 'checkpoint 2: reward spread' in m]
    assert line and 'offset share 0.8' in line[0] and '0.707 by the state' \
        in line[0]
    fig = plot_learning(report.history[1:])
    png = tmp_path / 'learning.png'
    fig.savefig(png)
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_progress_file_and_restore(tmp_path):
    """progress.json follows the run (t, 0-based member, an ETA once a
    member is done); a restored report counts the members done before."""
    report, recorder = _report(tmp_path)

    def progress():
        return json.loads((tmp_path / 'progress.json').read_text())

    report.log_member(1, 0)
    first = progress()
    assert (first['phase'], first['checkpoint'], first['member']) == (
        'training', 1, 0)
    assert (first['checkpoints'], first['population'], first['eta']) == (
        2, 2, None)
    report.log_member(1, 1)
    report.log_evaluation(8)
    second = progress()
    assert (second['phase'], second['member']) == ('evaluating', 1)
    assert second['eta'] >= 0 and second['timestamp'] >= first['timestamp']
    assert recorder.lines[-1] == '[explore] evaluating on 8 proxy val images'
    _checkpoint(report, 1, [1.0, 1.0], _update(0.1, [1.0, 1.0]))
    resumed = ExploreReport(report.runner, num_checkpoints=2, population=2,
                            interval=4, num_members=2)
    resumed.restore(dict(loss_names=NAMES, history=report.history,
                         timing=report.timing, checkpoint=1))
    resumed.log_member(2, 0)
    assert 'ETA' in recorder.lines[-1] and resumed.loss_names == NAMES
    assert progress()['checkpoint'] == 2


def test_explore_diagnostics_script_averages_explorations(tmp_path):
    sys.path.insert(0, 'tools/analysis')
    from explore_diagnostics import markdown, rows
    logs = []
    for moves in ((0.2, 0.1), (0.4, 0.3)):
        logs.append([
            dict(checkpoint=1, v_best=12.0, loss_weights=[0.5, 2.0],
                 members=[dict(v=11.0), dict(v=13.0)],
                 controller=dict(policy_move=moves[0],
                                 grad_cosine_centred=1.0)),
            dict(checkpoint=2, v_best=14.0, loss_weights=[0.25, 4.0],
                 members=[dict(v=14.0), dict(v=None)],
                 controller=dict(policy_move=moves[1], state_move=0.5,
                                 grad_cosine_centred=0.5)),
        ])
    table = rows(logs)
    assert table[0]['learn'] == pytest.approx(0.3)
    assert table[1]['learn'] == pytest.approx(0.2)
    assert math.isnan(table[0]['state']) and table[1]['state'] == 0.5
    assert table[0]['PQ spread'] == 1.0 and table[1]['PQ spread'] == 0.0
    assert (table[0]['valid'], table[1]['valid']) == (2, 1)
    assert (table[1]['lambda min'], table[1]['lambda max']) == (0.25, 4.0)
    # learning moved 0.5 of log lambda, the state 0.5: 50 %
    assert 'by learning 0.500, by the state 0.500 (learning: 50 %)' in \
        markdown(table)
    path = tmp_path / 'explore_log.jsonl'
    path.write_text('\n'.join(json.dumps(e) for e in logs[0]))
    from explore_diagnostics import load
    assert load(str(tmp_path)) == logs[0]


def test_explore_diagnostics_correlation_by_hand():
    """Members' sampled lambda of 'b' = e^-1, 1, e (log: -1, 0, 1) with v =
    3, 2, 1: correlation exactly -1; with v = 1, 3, 2 it is 0.5 (centred
    log lambda (-1, 0, 1), centred v (-1, 1, 0): 1 / sqrt(2 * 2)). A
    checkpoint with 2 scored members is left out; an unknown loss is one
    line."""
    sys.path.insert(0, 'tools/analysis')
    from explore_diagnostics import correlation_text, correlations

    def entry(values):
        return dict(loss_names=['a', 'b'], members=[
            dict(loss_weights=[1.0, lam], v=v)
            for lam, v in zip((math.exp(-1), 1.0, math.e), values)
        ])

    logs = [[entry((3.0, 2.0, 1.0)), entry((1.0, 3.0, 2.0)),
             entry((1.0, None, 2.0))]]
    corrs = correlations(logs, 'b')
    assert corrs[0] == pytest.approx([-1.0, 0.5], abs=1e-12)
    text = correlation_text(corrs, 'b')
    assert 'mean -0.25' in text and 'negative at 1 of 2' in text
    with pytest.raises(SystemExit, match="'c' is not one of"):
        correlations(logs, 'c')
