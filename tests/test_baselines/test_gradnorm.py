"""GradNorm against hand-computed numbers on a toy model, resume, and a smoke
run on the tiny cascade panoptic model."""
import io
import math
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper
from torch import nn

import mmada  # noqa: F401
from mmada.baselines import GradNormWeighting
from mmada.engine.hooks import LossWeightHook
from mmada.models import add_loss_weighting
from tiny import RUNNER_AT_ITER_1, tiny_batch, tiny_model


class Toy(BaseModel):
    """x = 1 -> h = a x (shared W = a) -> heads y_k = b_k h,
    L_k = y_k^2 = b_k^2 a^2: dL_k/da = 2 b_k^2 a, dL_k/db_k = 2 b_k a^2."""

    def __init__(self, a=1.0, b_a=2.0, b_b=1.0):
        super().__init__()
        self.shared = nn.Linear(1, 1, bias=False)
        self.head_a = nn.Linear(1, 1, bias=False)
        self.head_b = nn.Linear(1, 1, bias=False)
        self.set(a, b_a, b_b)

    def set(self, a, b_a, b_b):
        with torch.no_grad():
            self.shared.weight.fill_(a)
            self.head_a.weight.fill_(b_a)
            self.head_b.weight.fill_(b_b)

    def forward(self, inputs=None, data_samples=None, mode='loss'):
        h = self.shared(torch.ones(1, 1))
        return dict(loss_a=self.head_a(h).pow(2).sum(),
                    loss_b=self.head_b(h).pow(2).sum())


def backward(model):
    """The network's step: mmengine's total loss and its gradients."""
    model.zero_grad()
    total, _ = model.parse_losses(model())
    total.backward()
    return (total.item(), model.shared.weight.grad.item(),
            model.head_a.weight.grad.item(), model.head_b.weight.grad.item())


def toy(optimizer=None):
    model = Toy()
    w = add_loss_weighting(
        model, GradNormWeighting(['loss_a', 'loss_b'], shared='shared',
                                 optimizer=optimizer))
    return model, w


def test_two_steps_by_hand_sgd():
    model, w = toy(dict(type='SGD', lr=0.1))
    # step 1: a = 1, b = (2, 1): L = (4, 1), ||dL/da|| = (8, 2), w(0) = 1
    total, g_shared, g_a, g_b = backward(model)
    # the network step uses w(0) = (1, 1): plain gradients
    assert (total, g_shared, g_a, g_b) == (5.0, 8.0 + 2.0, 4.0, 2.0)
    assert w.values.tolist() == [4.0, 1.0]
    assert w.initial.tolist() == [4.0, 1.0]  # L(0)
    # L~ = (1, 1), r = (1, 1), G = (8, 2), G_bar = 5, targets = (5, 5)
    assert w.stats['grad_norms'].tolist() == [8.0, 2.0]
    assert w.stats['mean_grad_norm'].item() == 5.0
    assert w.stats['rates'].tolist() == [1.0, 1.0]
    assert w.stats['targets'].tolist() == [5.0, 5.0]
    assert w.stats['loss_grad'].item() == 3.0 + 3.0
    # dL_grad/dw = sign(G - target) ||dL/da|| = (+8, -2); SGD lr 0.1:
    # (1 - 0.8, 1 + 0.2) = (0.2, 1.2), sum 1.4 -> x 2 / 1.4 = (2/7, 12/7)
    assert w.loss_weights == pytest.approx([2 / 7, 12 / 7], abs=1e-12)
    assert sum(w.loss_weights) == pytest.approx(2.0, abs=1e-12)

    # step 2: b_a = 1.5: L = (2.25, 1), ||dL/da|| = (4.5, 2)
    model.set(1.0, 1.5, 1.0)
    total, g_shared, g_a, g_b = backward(model)
    # the network step uses w(1) = (2/7, 12/7)
    assert total == pytest.approx(2 / 7 * 2.25 + 12 / 7 * 1.0)
    assert g_shared == pytest.approx(2 / 7 * 4.5 + 12 / 7 * 2.0)
    assert g_a == pytest.approx(2 / 7 * 3.0)  # dL_a/db_a = 2 b_a a^2 = 3
    assert g_b == pytest.approx(12 / 7 * 2.0)
    assert w.initial.tolist() == [4.0, 1.0]  # L(0) is kept
    # L~ = (2.25 / 4, 1) = (0.5625, 1), mean 0.78125, r = (0.72, 1.28)
    assert w.stats['rates'].tolist() == pytest.approx([0.72, 1.28])
    # G = (2/7 * 4.5, 12/7 * 2) = (9/7, 24/7), G_bar = 33/14
    assert w.stats['grad_norms'].tolist() == pytest.approx([9 / 7, 24 / 7])
    assert w.stats['mean_grad_norm'].item() == pytest.approx(33 / 14)
    # targets = 33/14 * r^1.5 = (1.440073, 3.413507)
    targets = [33 / 14 * 0.72**1.5, 33 / 14 * 1.28**1.5]
    assert w.stats['targets'].tolist() == pytest.approx(targets)
    assert targets == pytest.approx([1.440073, 3.413507], abs=1e-6)
    # G - targets = (-0.154, +0.015): dL_grad/dw = (-4.5, +2); SGD lr 0.1:
    # (2/7 + 0.45, 12/7 - 0.2) = (0.735714, 1.514286), sum 2.25
    # -> x 2 / 2.25 = (0.653968, 1.346032)
    expected = [(2 / 7 + 0.45) * 2 / 2.25, (12 / 7 - 0.2) * 2 / 2.25]
    assert w.loss_weights == pytest.approx(expected, abs=1e-12)
    assert expected == pytest.approx([0.653968, 1.346032], abs=1e-6)


def test_default_adam_first_step():
    model, w = toy()
    assert w.optimizer_cfg == dict(type='Adam', lr=0.025)
    assert w.alpha == 1.5
    backward(model)
    # Adam's first step is lr * g / (|g| + eps) = 0.025 sign(g) for
    # g = (+8, -2): (0.975, 1.025), already sum 2
    assert w.loss_weights == pytest.approx([0.975, 1.025], abs=1e-9)


def test_initial_loss_retaken_while_not_positive():
    w = GradNormWeighting(['loss_a', 'loss_b'],
                          optimizer=dict(type='SGD', lr=0.0))
    w.names = ['loss_a', 'loss_b']
    w._init_weights(2)
    norms = torch.tensor([1.0, 1.0], dtype=torch.float64)
    w.step(torch.tensor([0.0, 2.0], dtype=torch.float64), norms)
    assert w.initial.tolist() == [0.0, 2.0]
    assert w.stats['rates'].tolist() == [1.0, 1.0]  # L~ = 1 without L(0)
    w.step(torch.tensor([3.0, 1.0], dtype=torch.float64), norms)
    assert w.initial.tolist() == [3.0, 2.0]
    # L~ = (1, 0.5), mean 0.75
    assert w.stats['rates'].tolist() == pytest.approx([4 / 3, 2 / 3])


def test_no_update_without_gradients_and_validation():
    model, w = toy()
    with torch.no_grad():
        model.parse_losses(model())
    assert w.loss_weights == [1.0, 1.0] and w.initial is None
    with pytest.raises(KeyError, match='no trainable parameter.*neck_'):
        add_loss_weighting(Toy(), GradNormWeighting(['loss_a'],
                                                    shared='neck_'))
    with pytest.raises(KeyError, match='no `params`'):
        GradNormWeighting(['loss_a'], optimizer=dict(type='SGD', params=[]))


def test_state_dict_round_trip_through_the_hook():
    def hook_and_model():
        model = Toy()
        hook = LossWeightHook(
            losses=['loss_a', 'loss_b'], head_lr_scaling=False,
            weighting=dict(type='GradNormWeighting', shared='shared'))
        hook.before_run(SimpleNamespace(cfg=Config(), model=model))
        return hook, model

    hook, model = hook_and_model()
    for b_a in (2.0, 1.5):
        model.set(1.0, b_a, 1.0)
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
    assert resumed.weighting.loss_weights == hook.weighting.loss_weights
    assert torch.equal(resumed.weighting.initial, hook.weighting.initial)
    for m in (model, model2):  # the same next step: Adam's state came back
        m.set(1.0, 1.2, 0.9)
        backward(m)
    assert resumed.weighting.loss_weights == hook.weighting.loss_weights
    assert hook.weighting.loss_weights != pytest.approx([1.0, 1.0])


def test_smoke_tiny_cascade_panoptic():
    model, cfg = tiny_model()
    names = cfg.loss_weighting.losses
    w = add_loss_weighting(model, GradNormWeighting(names))
    # W = the FPN's output convs (4 levels x weight + bias)
    assert len(w.params) == 8
    assert w.params[0] is model.neck.fpn_convs[0].conv.weight
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01,
                                         momentum=0.9))
    before = model.neck.fpn_convs[0].conv.weight.detach().clone()
    model.train()
    for step in range(3):
        torch.manual_seed(100 + step)
        log_vars = model.train_step(tiny_batch(step), optim)
        assert math.isfinite(log_vars['loss'].item())
        assert all(math.isfinite(x) and x > 0 for x in w.loss_weights)
        assert sum(w.loss_weights) == pytest.approx(len(names))
    assert w.stats['grad_norms'].shape == (10, )
    assert (w.stats['grad_norms'] > 0).all()
    assert not torch.equal(before, model.neck.fpn_convs[0].conv.weight)
    assert w.loss_weights != pytest.approx([1.0] * 10)
