"""FiniteLossHook: a training stops at its first non-finite loss or loss
weight, with a one-line error naming it and the iteration."""
import math
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config

from mmada.engine.hooks import FiniteLossHook


def runner_at(iteration, weighting=None):
    """A runner at ``iteration`` whose model has the loss ``weighting``."""
    model = SimpleNamespace(loss_weighting=weighting)
    return SimpleNamespace(iter=iteration, model=model)


def test_finite_losses_pass():
    FiniteLossHook().after_train_iter(
        runner_at(0), 0, outputs=dict(loss=torch.tensor(2.5),
                                      loss_seg=torch.tensor(0.7),
                                      acc=torch.tensor(90.0)))


@pytest.mark.parametrize('name, value', [('loss', 'nan'),
                                         ('s2.loss_bbox', 'inf')])
def test_non_finite_loss_stops_naming_it_and_the_iteration(name, value):
    outputs = dict(loss=torch.tensor(1.0))
    outputs[name] = torch.tensor(float(value))
    with pytest.raises(FloatingPointError,
                       match=rf'^Iteration 41: {name} = {value} is '
                       'not finite'):
        FiniteLossHook().after_train_iter(runner_at(40), 40, outputs=outputs)


def test_non_finite_loss_weight_stops_naming_it():
    weighting = SimpleNamespace(names=['loss_a', 'loss_b'],
                                loss_weights=[1.0, math.nan])
    with pytest.raises(FloatingPointError,
                       match=r'^Iteration 7: loss_weights/loss_b = nan'):
        FiniteLossHook().after_train_iter(runner_at(6, weighting), 6,
                                          outputs=dict(loss=1.0))


def test_interval_checks_every_nth_iteration():
    nan = dict(loss=torch.tensor(math.nan))
    FiniteLossHook(interval=2).after_train_iter(runner_at(0), 0, outputs=nan)
    with pytest.raises(FloatingPointError, match='Iteration 2'):
        FiniteLossHook(interval=2).after_train_iter(runner_at(1), 1,
                                                    outputs=nan)


def test_every_mmada_config_has_it():
    cfg = Config.fromfile('configs/cascade_panoptic_fpn/'
                          'cascade-panoptic-fpn_tiny_1xb4-cos-6e_'
                          'synthetic-panoptic-scenes.py')
    assert cfg.default_hooks.check_loss == dict(type='FiniteLossHook')
