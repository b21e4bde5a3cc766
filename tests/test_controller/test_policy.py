"""PolicyNetwork: architecture, initialisation, Eq. 1 state (choices 1-4)."""
import math

import pytest
import torch

from mmada.controller import PolicyNetwork, WeightController, normalise_losses


def test_architecture_is_three_linear_layers_float64():
    policy = PolicyNetwork(10)
    layers = [m for m in policy.modules() if isinstance(m, torch.nn.Linear)]
    assert [tuple(m.weight.shape) for m in layers] == [(16, 10), (16, 16),
                                                       (10, 16)]
    assert all(p.dtype == torch.float64 for p in policy.parameters())


def test_init_mean_is_one_over_fan_in_and_bias_zero():
    policy = PolicyNetwork(1000, hidden=16, init_std=0.01, seed=3,
                           output='exp', param_scale=1.0)
    w = policy.fc1.weight.detach()  # 16000 draws of N(1/1000, 0.01)
    std_err = 0.01 / math.sqrt(w.numel())
    assert abs(float(w.mean()) - 1e-3) < 3 * std_err
    assert abs(float(w.std()) - 0.01) < 0.01 * 0.05
    w2 = policy.fc2.weight.detach()  # 256 draws of N(1/16, 0.01)
    assert abs(float(w2.mean()) - 1 / 16) < 3 * 0.01 / 16
    for layer in (policy.fc1, policy.fc2, policy.fc3):
        assert torch.equal(layer.bias, torch.zeros_like(layer.bias))


def test_init_is_seeded_and_leaves_global_rng_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    a = PolicyNetwork(4, seed=7)
    assert torch.equal(torch.rand(3), expected)
    b = PolicyNetwork(4, seed=7)
    c = PolicyNetwork(4, seed=8)
    assert torch.equal(a.fc1.weight, b.fc1.weight)
    assert not torch.equal(a.fc1.weight, c.fc1.weight)


def test_invalid_init_std_raises():
    with pytest.raises(ValueError, match='init_std'):
        PolicyNetwork(3, init_std=-1.0)


def test_eq1_with_std0_at_ones_is_exactly_one():
    ctrl = WeightController(['a', 'b', 'c'], init_std=0.0)
    lam = ctrl.loss_weights([2.0, 0.3, 7.0], [2.0, 0.3, 7.0])  # x = ones
    assert torch.equal(lam, torch.ones(3, dtype=torch.float64))


def test_eq1_with_std0_is_mean_over_x():
    # Every layer outputs the mean of its input: z_i = mean(x) = 7/6; the
    # exp output gives eta_i = exp(7/6 - 1) = exp(1/6), a linear one 7/6
    # (param_scale only changes the units the optimizer sees)
    ctrl = WeightController(['a', 'b', 'c'], init_std=0.0, output='exp')
    lam = ctrl.loss_weights([1.0, 3.0, 8.0], [2.0, 3.0, 4.0])  # x = .5, 1, 2
    e = math.exp(1 / 6)
    expected = torch.tensor([e / 0.5, e / 1.0, e / 2.0], dtype=torch.float64)
    assert torch.allclose(lam, expected, rtol=1e-12, atol=0)
    linear = WeightController(['a', 'b', 'c'], init_std=0.0, output='linear',
                              param_scale=1.0, sampling='linear')
    lam = linear.loss_weights([1.0, 3.0, 8.0], [2.0, 3.0, 4.0])
    expected = torch.tensor([7 / 3, 7 / 6, 7 / 12], dtype=torch.float64)
    assert torch.allclose(lam, expected, rtol=1e-12, atol=0)


def test_unknown_output_raises():
    with pytest.raises(ValueError, match="'exp', 'linear'"):
        PolicyNetwork(3, output='softplus')


def test_nonpositive_losses_are_clamped_to_min_loss():
    x = normalise_losses([0.0, -1.0, 2.0], [1.0, 4.0, 0.0], min_loss=1e-8)
    expected = torch.tensor([1e-8, 1e-8 / 4.0, 2.0 / 1e-8],
                            dtype=torch.float64).clamp(min=1e-8)
    assert torch.allclose(x, expected, rtol=1e-12, atol=0)
    ctrl = WeightController(['a', 'b', 'c'])
    lam = ctrl.loss_weights([0.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    assert torch.isfinite(lam).all()


def test_zero_loss_gives_finite_update():
    ctrl = WeightController(['a', 'b', 'c'], seed=1)
    losses, l_ref = [0.0, 1.0, 2.0], [1.0, 1.0, 0.0]
    lam = ctrl.loss_weights(losses, l_ref)
    samples = ctrl.sample(lam, 4, checkpoint=1)
    info = ctrl.update(losses, l_ref, samples, [1.0, -1.0, 0.5, -0.5])
    assert all(
        math.isfinite(v) for k, v in info.items() if k != 'loss_weights_after')
    assert all(math.isfinite(v) for v in info['loss_weights_after'])
    for p in ctrl.policy.parameters():
        assert torch.isfinite(p).all()
    assert torch.isfinite(ctrl.loss_weights(losses, l_ref)).all()


def test_nonfinite_losses_raise():
    ctrl = WeightController(['a', 'b'])
    with pytest.raises(ValueError, match='losses'):
        ctrl.loss_weights([float('nan'), 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match='losses'):
        ctrl.loss_weights([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
