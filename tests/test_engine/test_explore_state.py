"""The exploration's resume state on its own: what is saved next to it, the
upgrade of old files and the checks against a resumed run's settings."""
import os

import pytest
import torch

from mmada.engine.runner.explore_state import (check_state, load_state,
                                               save_best_model, save_state,
                                               upgrade_state)
from mmada.utils import load_checkpoint_file

NAMES = ['loss_a', 'loss_b']
SCHEDULE = dict(checkpoints=2, interval=4, population=2, max_iters=16)


class Strategy:
    """A stand-in with a state and one artifact."""

    def state_dict(self):
        return dict(mean=torch.tensor([0.5, 2.0]))

    def artifacts(self, state):
        return {'strategy.pth': dict(kind='artifact', t=state['checkpoint'])}


def _saved(tmp_path, **changes):
    state = dict(checkpoint=1, v_best=3.5, best_loss_weights=[1.0, 2.0])
    kwargs = dict(strategy_type='ada-segment', loss_names=NAMES,
                  schedule=SCHEDULE, history=[dict(checkpoint=0)],
                  timing=dict(train=1.0, eval=0.5, total=2.0))
    save_state(str(tmp_path), state, Strategy(), **dict(kwargs, **changes))
    return str(tmp_path / 'explore_state.pth')


def test_save_and_load_state_with_the_strategys_artifacts(tmp_path):
    path = _saved(tmp_path)
    state = load_state(path)
    assert state['checkpoint'] == 1 and state['loss_names'] == NAMES
    assert torch.equal(state['strategy']['mean'], torch.tensor([0.5, 2.0]))
    assert state['schedule'] == SCHEDULE
    assert state['strategy_type'] == 'ada-segment'
    assert state['history'] == [dict(checkpoint=0)]
    assert load_checkpoint_file(str(tmp_path / 'strategy.pth')) == dict(
        kind='artifact', t=1)  # made from the state it is saved with
    assert not [f for f in os.listdir(tmp_path) if f.endswith('.tmp')]
    assert load_state(str(tmp_path / 'nope.pth')) is None


def test_upgrade_state_of_old_files():
    """mmada <= 0.2 named lambda 'lam'; mmada <= 0.3 saved no schedule;
    mmada 0.3.0 named M_best^t 'member'."""
    old = dict(lam_best=[1.0, 2.0], member=dict(iter=4), history=[
        dict(checkpoint=0, pseudo_epoch=True),
        dict(checkpoint=1, lam=[1.0, 1.0], controller=dict(
            lam_after=[2.0, 1.0]))
    ])
    state = upgrade_state(old)
    assert state['best_loss_weights'] == [1.0, 2.0] and 'lam_best' not in state
    entry = state['history'][1]
    assert entry['loss_weights'] == [1.0, 1.0] and 'lam' not in entry
    assert entry['controller'] == dict(loss_weights_after=[2.0, 1.0])
    assert state['schedule'] is None
    assert state['best_model'] == dict(iter=4) and 'member' not in state
    check_state('old.pth', dict(state, loss_names=NAMES,
                                strategy_type='pbt'), NAMES, SCHEDULE, 'pbt')


def test_a_state_for_another_run_is_refused(tmp_path):
    state = load_state(_saved(tmp_path))
    check_state('s.pth', state, NAMES, SCHEDULE, 'ada-segment')
    with pytest.raises(ValueError, match=r"s.pth: made for the losses "
                       r"\['loss_a', 'loss_b'\], this config weights "
                       r"\['loss_a'\]"):
        check_state('s.pth', state, ['loss_a'], SCHEDULE, 'ada-segment')
    with pytest.raises(ValueError, match=r'made with another exploration '
                       r'schedule \(population 2 -> 4, max_iters 16 -> 32\)'):
        check_state('s.pth', state, NAMES,
                    dict(SCHEDULE, population=4, max_iters=32),
                    'ada-segment')
    with pytest.raises(ValueError, match="made by train_cfg.strategy="
                       "'ada-segment', this config has 'pbt'"):
        check_state('s.pth', state, NAMES, SCHEDULE, 'pbt')


def test_best_model_is_an_mmengine_checkpoint(tmp_path):
    save_best_model(str(tmp_path), dict(w=torch.ones(2)),
                    dict(classes=('a', )), dict(checkpoint=2, v_best=4.0))
    saved = load_checkpoint_file(str(tmp_path / 'best_model.pth'))
    assert torch.equal(saved['state_dict']['w'], torch.ones(2))
    assert saved['meta'] == dict(dataset_meta=dict(classes=('a', )),
                                 explore=dict(checkpoint=2, v_best=4.0))


def test_strategies_artifacts():
    """The same files as before: controller.pth (Ada-Segment), am_lfs.pth,
    none for PBT."""
    from mmada.baselines import AMLFSStrategy, PBTStrategy
    from mmada.engine.runner.strategies import AdaSegmentStrategy
    ada = AdaSegmentStrategy(NAMES, population=2, num_checkpoints=2,
                             sigma=0.2, seed=0, reward='local+imp',
                             controller=dict())
    start = dict(checkpoint=0, best_loss_weights=None)
    assert list(ada.artifacts(start)) == ['controller.pth']
    ctrl = ada.artifacts(start)['controller.pth']
    assert ctrl['loss_names'] == NAMES and 'best_loss_weights' not in ctrl
    # lambda_best^t is the loop's state's, written into controller.pth
    ctrl = ada.artifacts(dict(checkpoint=1, best_loss_weights=[0.5, 2.0]))
    best = ctrl['controller.pth']['best_loss_weights']
    assert best.dtype == torch.float64 and best.tolist() == [0.5, 2.0]
    assert 'best_loss_weights' not in ada.state_dict()
    amlfs = AMLFSStrategy(NAMES, population=2, sigma=0.2, seed=0)
    assert torch.equal(amlfs.artifacts(start)['am_lfs.pth']['mean'],
                       amlfs.state_dict()['mean'])
    assert PBTStrategy(NAMES, population=2, seed=0).artifacts(start) == {}
