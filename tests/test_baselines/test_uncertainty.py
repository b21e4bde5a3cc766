"""Uncertainty weighting (torchjd's UW through ScalarizerWeighting) against
hand-computed numbers, its arguments, resume, and a smoke run on the tiny
cascade panoptic model."""
import io
import math
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmdet.registry import MODELS

from mmada.baselines import UncertaintyWeighting
from mmada.engine.hooks import LossWeightHook
from mmada.models import add_loss_weighting
from tiny import LossParameters, RUNNER_AT_ITER_1, tiny_batch, tiny_model

NAMES = ['loss_a', 'loss_b']


def toy(optimizer=None):
    model = LossParameters()
    w = add_loss_weighting(model,
                           UncertaintyWeighting(NAMES, optimizer=optimizer))
    return model, w


def backward(model):
    model.zero_grad()
    total, log_vars = model.parse_losses(model())
    total.backward()
    return total.item(), log_vars, model.p.grad.tolist()


def log_var(w):
    """s, the log-variances of the rule's UW."""
    return w.scalarizer.log_var.tolist()


def test_the_scalarizer_is_torchjds_uw():
    from torchjd.scalarization import UW
    w = UncertaintyWeighting(NAMES)
    assert isinstance(w.scalarizer, UW) and w.scalarizer_type == 'UW'
    assert log_var(w) == [0.0, 0.0]  # s starts at 0
    assert w.optimizer_cfg == dict(type='Adam', lr=0.025)
    # built as LossWeightHook builds it (no losses), then given the losses
    w = MODELS.build(dict(type='UncertaintyWeighting', losses=None))
    assert type(w) is UncertaintyWeighting and w.scalarizer is None
    w.set_losses(NAMES)
    assert isinstance(w.scalarizer, UW)
    assert w.scalarizer.log_var.shape == (2, )


def test_two_steps_by_hand_sgd():
    model, w = toy(dict(type='SGD', lr=0.1))
    # step 1: L = (2, 0.5), s(0) = (0, 0): lambda = 1/2 exp(0) = 1/2
    total, log_vars, grad = backward(model)
    assert total == 0.5 * 2.0 + 0.5 * 0.5  # sum lambda_i L_i
    assert 'loss_uncertainty_reg' not in log_vars  # mmada <= 0.2 had it
    assert log_vars['loss_a'].item() == 1.0  # logged weighted
    assert grad == [0.5, 0.5]  # the network step uses lambda(s(0))
    assert w.loss_weights == [0.5, 0.5]  # the weights just applied
    assert w.values.tolist() == [2.0, 0.5]
    # dL/ds = -1/2 exp(-s) L + 1/2 = (-0.5, 0.25); SGD lr 0.1:
    # s(1) = (0.05, -0.025)
    assert log_var(w) == pytest.approx([0.05, -0.025], abs=1e-15)

    # step 2, the same losses: lambda(s(1))
    total, log_vars, grad = backward(model)
    assert w.loss_weights == pytest.approx(
        [0.5 * math.exp(-0.05), 0.5 * math.exp(0.025)], abs=1e-15)
    assert w.loss_weights == pytest.approx([0.475615, 0.512657], abs=1e-6)
    assert total == pytest.approx(0.475615 * 2 + 0.512657 * 0.5, abs=1e-5)
    assert grad == pytest.approx([0.475615, 0.512657], abs=1e-6)
    # dL/ds = (-exp(-0.05) + 0.5, -0.25 exp(0.025) + 0.5)
    #       = (-0.451229, 0.243671); s(2) = s(1) - 0.1 dL/ds
    assert log_var(w) == pytest.approx([0.05 + 0.0451229, -0.025 - 0.0243671],
                                       abs=1e-6)


def test_default_adam_first_step_and_fixed_point():
    model, w = toy()
    assert w.optimizer_cfg == dict(type='Adam', lr=0.025)
    backward(model)
    # Adam's first step: s = -0.025 sign(dL/ds) = -0.025 sign(-0.5, 0.25)
    assert log_var(w) == pytest.approx([0.025, -0.025], abs=1e-9)
    # s = log L is the fixed point: dL/ds = -1/2 L / L + 1/2 = 0
    model, w = toy(dict(type='SGD', lr=0.1))
    with torch.no_grad():
        w.scalarizer.log_var.copy_(
            torch.tensor([math.log(2), math.log(0.5)], dtype=torch.float64))
    backward(model)  # L = (2, 0.5)
    assert log_var(w) == pytest.approx([math.log(2), math.log(0.5)], abs=1e-15)
    # lambda = 1/2 exp(-s) = 1 / (2 L)
    assert w.loss_weights == pytest.approx([0.25, 1.0], abs=1e-15)


def test_set_loss_weights_and_validation():
    model, w = toy()
    w.set_loss_weights([1.0, 0.25])  # from outside: s does not move
    with torch.no_grad():  # validation: the set weights, no step
        _, log_vars = model.parse_losses(model())
    assert log_vars['loss_a'].item() == 2.0
    assert log_vars['loss_b'].item() == 0.125
    assert log_var(w) == [0.0, 0.0] and w.num_calls == 0
    backward(model)  # training: lambda from s(0) again
    assert w.loss_weights == [0.5, 0.5]
    with pytest.raises(KeyError, match='no `params`'):
        UncertaintyWeighting(['loss_a'], optimizer=dict(type='SGD', params=[]))


def test_init_only_zero():
    """``init`` is kept for mmada <= 0.2's configs, which give 0.0."""
    for init in (0.0, 0):
        w = UncertaintyWeighting(NAMES, init=init)
        assert log_var(w) == [0.0, 0.0]
    with pytest.raises(ValueError) as e:
        UncertaintyWeighting(NAMES, init=0.3)
    assert str(e.value) == ("UncertaintyWeighting.init: torchjd's UW starts "
                            'at s = 0, got init=0.3')
    with pytest.raises(TypeError):  # no positional init or optimizer
        UncertaintyWeighting(NAMES, 0.0)
    with pytest.raises(TypeError):  # the scalarizer is fixed
        UncertaintyWeighting(NAMES, scalarizer=dict(type='FAMO'))


def test_the_config_builds():
    cfg = Config.fromfile(
        'configs/baselines/uncertainty_tiny_1xb4-cos-6e_synthetic-panoptic.py')
    hook_cfg = dict(cfg.custom_hooks[1])
    assert hook_cfg.pop('type') == 'LossWeightHook'
    hook = LossWeightHook(**hook_cfg)
    assert type(hook.weighting) is UncertaintyWeighting
    assert hook.weighting.optimizer_cfg == dict(type='Adam', lr=0.025)


def hook_and_model():
    model = LossParameters()
    hook = LossWeightHook(losses=NAMES,
                          head_lr_scaling=False,
                          weighting=dict(type='UncertaintyWeighting'))
    hook.before_run(SimpleNamespace(cfg=Config(), model=model))
    return hook, model


def save_load(checkpoint):
    buffer = io.BytesIO()  # what mmada's weights-only loading accepts
    torch.save(checkpoint, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def test_state_dict_round_trip_through_the_hook():
    hook, model = hook_and_model()
    for _ in range(2):
        backward(model)
        hook.after_train_iter(RUNNER_AT_ITER_1, 0)
    checkpoint = {}
    hook.before_save_checkpoint(None, checkpoint)
    checkpoint = save_load(checkpoint)

    resumed, model2 = hook_and_model()
    resumed.after_load_checkpoint(None, checkpoint)
    assert log_var(resumed.weighting) == log_var(hook.weighting)
    assert log_var(hook.weighting) != [0.0, 0.0]
    assert resumed.weighting.loss_weights == hook.weighting.loss_weights
    for m in (model, model2):  # the same next step: Adam's state came back
        backward(m)
    assert log_var(resumed.weighting) == log_var(hook.weighting)
    assert resumed.weighting.loss_weights == hook.weighting.loss_weights


def test_a_checkpoint_of_mmada_02_is_refused():
    """mmada <= 0.2 saved s (``log_vars``) and Adam's state, not the losses
    ScalarizerWeighting replays."""
    hook, model = hook_and_model()
    s = torch.tensor([0.025, -0.025], dtype=torch.float64)
    adam = torch.optim.Adam([s.clone().requires_grad_(True)], lr=0.025)
    checkpoint = save_load(
        dict(loss_weights=dict(names=NAMES,
                               loss_weights=(0.5 * torch.exp(-s)).tolist(),
                               sum=None,
                               count=0,
                               weighting=dict(names=NAMES,
                                              log_vars=s,
                                              optimizer=adam.state_dict()))))
    with pytest.raises(ValueError) as e:
        hook.after_load_checkpoint(None, checkpoint)
    assert str(e.value) == (
        'UncertaintyWeighting: the checkpoint has `log_vars`: it was '
        "written by mmada <= 0.2's own uncertainty weighting and cannot be "
        "resumed with torchjd's UW")


def test_smoke_tiny_cascade_panoptic():
    model, cfg = tiny_model()
    w = add_loss_weighting(model,
                           UncertaintyWeighting(cfg.loss_weighting.losses))
    optim = OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9))
    before = model.neck.fpn_convs[0].conv.weight.detach().clone()
    model.train()
    for step in range(3):
        torch.manual_seed(100 + step)
        log_vars = model.train_step(tiny_batch(step), optim)
        assert math.isfinite(log_vars['loss'].item())
        assert 'loss_uncertainty_reg' not in log_vars
        assert all(math.isfinite(x) and x > 0 for x in w.loss_weights)
    assert w.scalarizer.log_var.shape == (10, )
    assert (w.scalarizer.log_var != 0).all()
    assert not torch.equal(before, model.neck.fpn_convs[0].conv.weight)
