"""Crash safety and clear answers to bad input (the exploration side)."""
import json
import os
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from e2e import EXPLORE, EXPLORE_SMALL, ROOT, run, tool

from mmada.controller import WeightController
from mmada.engine.hooks import LossWeightHook
from mmada.engine.runner.strategies import loss_problem


@pytest.mark.e2e
def test_diverging_member_does_not_end_the_run(tmp_path):
    """A member whose loss turns NaN gets -1, is replaced by the best
    member, and the exploration goes on to the end."""
    # iterations 1-4: the pseudo epoch; 6: member 1's 2nd at checkpoint 1
    config = tmp_path / 'nan_loss.py'
    config.write_text(
        f"_base_ = '{os.path.join(ROOT, EXPLORE)}'\n"
        "custom_imports = dict(imports=['mmada', 'mmada.testing'],\n"
        '                      allow_failed_imports=False)\n'
        "custom_hooks = [dict(type='LossWeightHook'),\n"
        "                dict(type='FaultHook', point='nan_loss', at=6)]\n")
    out = tool('explore.py', str(config), '--work-dir', str(tmp_path),
               '--cfg-options', *EXPLORE_SMALL).stdout
    # stopped at the NaN by FiniteLossHook (or, at the interval's end, by
    # the loop's own check of l^t)
    assert 'checkpoint 1, member 1 failed (FloatingPointError: ' in out
    with open(tmp_path / 'explore_log.jsonl') as f:
        log = [json.loads(line) for line in f]
    first = log[1]['members']
    assert not first[0]['ok'] and first[0]['reward'] == -1.0
    assert first[1]['ok'] and log[1]['best'] == 1
    assert [e['checkpoint'] for e in log] == [0, 1, 2]
    assert os.path.isfile(tmp_path / 'best_model.pth')


@pytest.mark.e2e
def test_fault_injection_resumes_identically(tmp_path):
    """Killed after the controller update (nothing saved yet) and with the
    checkpoint's state written but not renamed: both resumed runs end
    identical to the uninterrupted one."""
    proc = run([sys.executable, 'tools/analysis/fault_injection.py',
                '--work-dir', str(tmp_path), '--points',
                'controller_update', 'atomic_write@4'], check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert '| controller_update | yes | 0/2 | yes |' in proc.stdout
    assert '| atomic_write@4 | yes | 0/2 | yes |' in proc.stdout
    # the half-written file was never taken for the state
    leftovers = os.listdir(tmp_path / 'atomic_write_4')
    assert 'explore_state.pth' in leftovers


@pytest.mark.e2e
def test_two_process_fault_injection_resumes_identically(tmp_path):
    """2 processes (tools/dist_explore.sh): rank 1 killed after checkpoint
    1 is saved, and both ranks killed after the first controller update;
    each resumed 2-process run ends identical to the uninterrupted one."""
    proc = run([sys.executable, 'tools/analysis/fault_injection.py',
                '--procs', '2', '--work-dir', str(tmp_path), '--points',
                'checkpoint_saved#1', 'controller_update'], check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert '| checkpoint_saved#1 | yes | 1/2 | yes |' in proc.stdout
    assert '| controller_update | yes | 0/2 | yes |' in proc.stdout


def test_negative_or_nan_losses_are_a_member_failure():
    assert loss_problem(['a', 'b'], np.array([0.5, 0.0])) is None
    problem = loss_problem(['a', 'b'], np.array([0.5, -0.1]))
    assert 'b=-0.1' in problem and '>= 0' in problem
    assert 'a=nan' in loss_problem(['a', 'b'], np.array([np.nan, 1.0]))


def test_fault_hook_refuses_an_unknown_point():
    from mmada.testing import FaultHook
    with pytest.raises(ValueError, match="point must be one of .*'nope'"):
        FaultHook('nope')


def _hook_runner(tmp_path):
    cfg = dict(loss_weighting=dict(losses=['loss_a', 'loss_b']))
    model = torch.nn.Linear(1, 1)
    model.parse_losses = None  # not used before training
    return SimpleNamespace(cfg=cfg, model=model, work_dir=str(tmp_path))


def test_controller_file_for_other_losses_is_refused(tmp_path):
    ctrl = WeightController(['loss_a', 'loss_c'])
    ctrl.snapshot()
    path = str(tmp_path / 'controller.pth')
    torch.save(ctrl.state_dict(), path)
    hook = LossWeightHook(
        weighting=dict(type='AdaSegmentWeighting', controller=path))
    with pytest.raises(ValueError, match=r"made for the losses \['loss_a', "
                       r"'loss_c'\], this model weights \['loss_a', "
                       r"'loss_b'\]"):
        hook.before_run(_hook_runner(tmp_path))
    # the file is read when the hook is built
    torch.save({'state_dict': {}}, path)
    with pytest.raises(ValueError, match='not a controller file'):
        LossWeightHook(
            weighting=dict(type='AdaSegmentWeighting', controller=path))
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        LossWeightHook(weighting=dict(type='AdaSegmentWeighting',
                                      controller=str(tmp_path / 'nope.pth')))


def test_unknown_loss_weighting_key_is_refused(tmp_path):
    runner = _hook_runner(tmp_path)
    runner.cfg['loss_weighting']['loss'] = ['x']
    with pytest.raises(KeyError, match=r"loss_weighting: unknown keys "
                       r"\['loss'\]"):
        LossWeightHook().before_run(runner)
