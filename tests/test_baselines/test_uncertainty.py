"""Uncertainty weighting against hand-computed numbers, resume, and a smoke
run on the tiny cascade panoptic model."""
import io
import math
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper

import mmada  # noqa: F401
from mmada.baselines import UncertaintyWeighting
from mmada.engine.hooks import LossWeightHook
from mmada.models import add_loss_weighting
from tiny import LossParameters, RUNNER_AT_ITER_1, tiny_batch, tiny_model


def toy(optimizer=None):
    model = LossParameters()
    w = add_loss_weighting(
        model, UncertaintyWeighting(['loss_a', 'loss_b'],
                                    optimizer=optimizer))
    return model, w


def backward(model):
    model.zero_grad()
    total, log_vars = model.parse_losses(model())
    total.backward()
    return total.item(), log_vars, model.p.grad.tolist()


def test_two_steps_by_hand_sgd():
    model, w = toy(dict(type='SGD', lr=0.1))
    # step 1: L = (2, 0.5), s(0) = (0, 0): lambda = 1/2 exp(0) = 1/2
    total, log_vars, grad = backward(model)
    assert total == 0.5 * 2.0 + 0.5 * 0.5 + 0.0  # + 1/2 sum s = 0
    assert log_vars['loss_uncertainty_reg'].item() == 0.0
    assert log_vars['loss_a'].item() == 1.0  # logged weighted
    assert grad == [0.5, 0.5]  # the network step uses lambda(s(0))
    assert w.values.tolist() == [2.0, 0.5]
    # dL/ds = -1/2 exp(-s) L + 1/2 = (-0.5, 0.25); SGD lr 0.1:
    # s(1) = (0.05, -0.025)
    assert w.log_vars.tolist() == pytest.approx([0.05, -0.025], abs=1e-15)
    assert w.loss_weights == pytest.approx(
        [0.5 * math.exp(-0.05), 0.5 * math.exp(0.025)], abs=1e-15)
    assert w.loss_weights == pytest.approx([0.475615, 0.512657], abs=1e-6)

    # step 2, the same losses: lambda(s(1)) and the regulariser 1/2 sum s(1)
    total, log_vars, grad = backward(model)
    reg = 0.5 * (0.05 - 0.025)
    assert log_vars['loss_uncertainty_reg'].item() == pytest.approx(reg)
    assert total == pytest.approx(0.475615 * 2 + 0.512657 * 0.5 + 0.0125,
                                  abs=1e-5)
    assert grad == pytest.approx([0.475615, 0.512657], abs=1e-6)
    # dL/ds = (-exp(-0.05) + 0.5, -0.25 exp(0.025) + 0.5)
    #       = (-0.451229, 0.243671); s(2) = s(1) - 0.1 dL/ds
    assert w.log_vars.tolist() == pytest.approx(
        [0.05 + 0.0451229, -0.025 - 0.0243671], abs=1e-6)


def test_default_adam_first_step_and_fixed_point():
    model, w = toy()
    assert w.optimizer_cfg == dict(type='Adam', lr=0.025)
    backward(model)
    # Adam's first step: s = -0.025 sign(dL/ds) = -0.025 sign(-0.5, 0.25)
    assert w.log_vars.tolist() == pytest.approx([0.025, -0.025], abs=1e-9)
    # s = log L is the fixed point: dL/ds = -1/2 L / L + 1/2 = 0
    w = UncertaintyWeighting(['loss_a', 'loss_b'],
                             optimizer=dict(type='SGD', lr=0.1))
    w.set_loss_weights([0.25, 1.0])  # 1 / (2 L): s = -log(2 lambda) = log L
    w.names = ['loss_a', 'loss_b']
    w._init_log_vars(2)
    assert w.log_vars.tolist() == pytest.approx([math.log(2), math.log(0.5)])
    w.step(torch.tensor([2.0, 0.5], dtype=torch.float64))
    assert w.log_vars.tolist() == pytest.approx([math.log(2), math.log(0.5)],
                                                abs=1e-15)
    assert w.loss_weights == pytest.approx([0.25, 1.0], abs=1e-15)


def test_set_loss_weights_and_validation():
    w = UncertaintyWeighting(['loss_a', 'loss_b'])
    w.set_loss_weights([1.0, 0.25])  # before the first iteration
    w(dict(loss_a=torch.tensor(1.0), loss_b=torch.tensor(1.0)))
    # s = -log(2 lambda) = (-log 2, log 2); no gradient: no step
    assert w.log_vars.tolist() == pytest.approx([-math.log(2), math.log(2)])
    assert w.loss_weights == pytest.approx([1.0, 0.25])
    with pytest.raises(ValueError, match='must be > 0'):
        w.set_loss_weights([1.0, 0.0])
    with pytest.raises(KeyError, match='no `params`'):
        UncertaintyWeighting(['loss_a'], optimizer=dict(type='SGD',
                                                        params=[]))


def test_state_dict_round_trip_through_the_hook():
    def hook_and_model():
        model = LossParameters()
        hook = LossWeightHook(
            losses=['loss_a', 'loss_b'], head_lr_scaling=False,
            weighting=dict(type='UncertaintyWeighting'))
        hook.before_run(SimpleNamespace(cfg=Config(), model=model))
        return hook, model

    hook, model = hook_and_model()
    for _ in range(2):
        backward(model)
        hook.after_train_iter(RUNNER_AT_ITER_1, 0)
    checkpoint = {}
    hook.before_save_checkpoint(None, checkpoint)
    buffer = io.BytesIO()  # what mmada's weights-only loading accepts
    torch.save(checkpoint, buffer)
    buffer.seek(0)
    checkpoint = torch.load(buffer, weights_only=True)

    resumed, model2 = hook_and_model()
    resumed.after_load_checkpoint(None, checkpoint)
    assert torch.equal(resumed.weighting.log_vars, hook.weighting.log_vars)
    assert resumed.loss_weights == hook.loss_weights
    for m in (model, model2):  # the same next step: Adam's state came back
        backward(m)
    assert torch.equal(resumed.weighting.log_vars, hook.weighting.log_vars)


def test_smoke_tiny_cascade_panoptic():
    model, cfg = tiny_model()
    w = add_loss_weighting(model,
                           UncertaintyWeighting(cfg.loss_weighting.losses))
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01,
                                         momentum=0.9))
    before = model.neck.fpn_convs[0].conv.weight.detach().clone()
    model.train()
    for step in range(3):
        torch.manual_seed(100 + step)
        log_vars = model.train_step(tiny_batch(step), optim)
        assert math.isfinite(log_vars['loss'].item())
        assert 'loss_uncertainty_reg' in log_vars
        assert all(math.isfinite(x) and x > 0 for x in w.loss_weights)
    assert w.log_vars.shape == (10, )
    assert (w.log_vars != 0).all()
    assert not torch.equal(before, model.neck.fpn_convs[0].conv.weight)
