"""WeightController: Eq. 2 sampling, Eq. 6 update, snapshots, resume."""
import io
import math
from collections import OrderedDict

import pytest
import torch

from mmada.controller import WeightController
from mmada.controller.controller import (OLD_FILE_DEFAULTS,
                                         upgrade_controller_state)

F64 = dict(dtype=torch.float64)


def _tiny(**kwargs):
    """n = 2, hidden = 2, all weights 1/2: pi(x) = mean(x) everywhere (with
    the linear output of the paper read literally; the default output's
    gradient is checked by hand in test_gradient_with_exp_output)."""
    kwargs.setdefault('output', 'linear')
    kwargs.setdefault('param_scale', 1.0)
    kwargs.setdefault('sampling', 'linear')
    return WeightController(['a', 'b'], hidden=2, init_std=0.0, **kwargs)


# Hand-made setting for Eq. 6: x = [1, 4] / [2, 2] = [0.5, 2];
# h1 = h2 = eta = mean(x) = 1.25, mu = eta / x = [2.5, 0.625].
LOSSES, L_REF = [1.0, 4.0], [2.0, 2.0]
SAMPLES = torch.tensor([[3.0, 0.5], [2.0, 1.0]], **F64)
REWARDS = [1.0, -1.0]
SIGMA = 0.2


def test_sample_statistics():
    # the paper's Eq. 2, N(lambda, sigma^2 I) (the default's log-space
    # sampling: test_controller_options.py)
    ctrl = WeightController(['a', 'b', 'c'], sigma=SIGMA, sampling='linear')
    lam = torch.tensor([1.0, 0.5, 2.0], **F64)
    m = 20000
    s = ctrl.sample(lam, m, checkpoint=1)
    assert s.shape == (m, 3) and s.dtype == torch.float64
    assert (s.mean(0) - lam).abs().max() < 4 * SIGMA / math.sqrt(m)
    assert (s.std(0) - SIGMA).abs().max() < 5 * SIGMA / math.sqrt(2 * m)


def test_sample_is_a_function_of_seed_and_checkpoint():
    ctrl = WeightController(['a', 'b'], seed=5)
    lam = torch.ones(2, **F64)
    torch.manual_seed(0)
    s1 = ctrl.sample(lam, 8, checkpoint=2)
    torch.manual_seed(123)  # the global RNG does not matter
    s2 = WeightController(['a', 'b'], seed=5).sample(lam, 8, checkpoint=2)
    assert torch.equal(s1, s2)
    assert not torch.equal(s1, ctrl.sample(lam, 8, checkpoint=3))
    other_seed = WeightController(['a', 'b'], seed=6)
    assert not torch.equal(s1, other_seed.sample(lam, 8, checkpoint=2))


def test_is_valid_rejects_any_negative_entry():
    samples = torch.tensor(
        [[0.1, 0.0], [-0.01, 1.0], [1.0, -1e-9], [2.0, 3.0]], **F64)
    assert WeightController.is_valid(samples).tolist() == [
        True, False, False, True
    ]


@pytest.mark.parametrize('sigma', [0.0, -0.2])
def test_nonpositive_sigma_raises(sigma):
    with pytest.raises(ValueError, match='sigma'):
        WeightController(['a'], sigma=sigma)


def test_log_density_by_hand():
    ctrl = _tiny(sigma=SIGMA)
    logp = ctrl.log_density(LOSSES, L_REF, SAMPLES)
    # z_0 = [0.5, -0.125] / 0.2 = [2.5, -0.625]; z_1 = [-2.5, 1.875]
    const = 2 * (math.log(0.2) + 0.5 * math.log(2 * math.pi))
    expected = [
        -0.5 * (6.25 + 0.390625) - const, -0.5 * (6.25 + 3.515625) - const
    ]
    assert logp.tolist() == pytest.approx(expected, abs=1e-12)


def test_gradient_of_objective_by_hand():
    ctrl = _tiny(sigma=SIGMA)
    rewards = torch.tensor(REWARDS, **F64)
    obj = (rewards * ctrl.log_density(LOSSES, L_REF, SAMPLES)).mean()
    obj.backward()
    # dJ/db3_i = 1/m sum_j r_j (lam_hat_ji - mu_i) / sigma^2 * (1 / x_i)
    # i=0: (1 * 0.5 - 1 * -0.5) / 2 / 0.04 / 0.5 = 25
    # i=1: (1 * -0.125 - 1 * 0.375) / 2 / 0.04 / 2 = -3.125
    assert ctrl.policy.fc3.bias.grad.tolist() == pytest.approx([25.0, -3.125],
                                                               abs=1e-10)
    # dmu_i/dW3_ik = h2_k / x_i with h2_k = 1.25
    assert ctrl.policy.fc3.weight.grad.flatten().tolist() == pytest.approx(
        [31.25, 31.25, -3.90625, -3.90625], abs=1e-10)


def test_gradient_with_exp_output():
    """eta = exp(z - 1), z = mean(x) = 1.25: eta = exp(0.25) for both
    losses, mu = eta / x; d mu_i / d b3_i = eta / x_i = mu_i."""
    ctrl = _tiny(sigma=SIGMA, output='exp')
    eta = math.exp(0.25)
    mu = [eta / 0.5, eta / 2.0]
    rewards = torch.tensor(REWARDS, **F64)
    obj = (rewards * ctrl.log_density(LOSSES, L_REF, SAMPLES)).mean()
    obj.backward()
    samples = SAMPLES.tolist()
    expected = [
        sum(r * (s[i] - mu[i]) for r, s in zip(REWARDS, samples)) / 2 /
        SIGMA**2 * mu[i] for i in range(2)
    ]
    assert ctrl.policy.fc3.bias.grad.tolist() == pytest.approx(expected,
                                                               abs=1e-10)


def test_first_adam_step_moves_each_parameter_by_lr():
    lr = 0.05
    ctrl = _tiny(sigma=SIGMA, lr=lr, weight_decay=0.0)
    rewards = torch.tensor(REWARDS, **F64)
    (rewards * ctrl.log_density(LOSSES, L_REF, SAMPLES)).mean().backward()
    dj = [p.grad.clone() for p in ctrl.policy.parameters()]  # dJ/dtheta
    before = [p.detach().clone() for p in ctrl.policy.parameters()]
    info = ctrl.update(LOSSES, L_REF, SAMPLES, REWARDS)
    for p, p0, g in zip(ctrl.policy.parameters(), before, dj):
        assert torch.allclose(p - p0, lr * torch.sign(g), atol=1e-8, rtol=0)
    # maximising J: b3 goes up for loss 0 and down for loss 1
    assert ctrl.policy.fc3.bias.tolist() == pytest.approx([lr, -lr], abs=1e-8)
    assert math.isfinite(info['objective']) and info['grad_norm'] > 0


@pytest.mark.parametrize('reward, closer', [(1.0, True), (-1.0, False)])
def test_reward_sign_moves_mean_towards_or_away(reward, closer):
    ctrl = WeightController(['a', 'b', 'c'], lr=1e-3, seed=2)
    losses, l_ref = [0.8, 1.5, 0.3], [1.0, 2.0, 0.5]
    target = torch.tensor([[1.3, 0.7, 1.1]], **F64)
    dist0 = (ctrl.loss_weights(losses, l_ref) - target).norm()
    ctrl.update(losses, l_ref, target, [reward])
    dist1 = (ctrl.loss_weights(losses, l_ref) - target).norm()
    assert (dist1 < dist0) == closer


def test_snapshots_are_copies():
    ctrl = _tiny()
    assert ctrl.snapshot() == 1
    ctrl.update(LOSSES, L_REF, SAMPLES, REWARDS)
    assert ctrl.snapshot() == 2
    pols = ctrl.policies
    assert len(pols) == 2
    assert torch.equal(pols[0]['fc3.bias'], torch.zeros(2, **F64))
    assert torch.equal(pols[1]['fc3.bias'], ctrl.policy.fc3.bias)
    with torch.no_grad():
        ctrl.policy.fc3.bias.add_(1.0)
    assert not torch.equal(pols[1]['fc3.bias'], ctrl.policy.fc3.bias)


def _save_load(state):
    buf = io.BytesIO()
    torch.save(state, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


def _types(obj):
    if isinstance(obj, dict):
        return set().union({str},
                           *(_types(k) | _types(v) for k, v in obj.items()))
    if isinstance(obj, (list, tuple)):
        return set().union({type(obj)}, *(_types(v) for v in obj))
    return {type(obj)}


def _run(ctrl, checkpoints, m=4):
    losses = {1: [1.0, 2.0], 2: [0.8, 1.9], 3: [0.7, 1.5]}
    rewards = [1.0, -1.0, 0.5, -0.5]
    for t in checkpoints:
        lam = ctrl.loss_weights(losses[t], [1.0, 2.0])
        ctrl.update(losses[t], [1.0, 2.0], ctrl.sample(lam, m, t), rewards)
        ctrl.snapshot()


def test_state_dict_round_trip_and_resume():
    kwargs = dict(loss_names=['a', 'b'], sigma=0.3, seed=4)
    straight = WeightController(**kwargs)
    _run(straight, [1, 2, 3])
    first = WeightController(**kwargs)
    _run(first, [1, 2])
    state = _save_load(first.state_dict())
    allowed = {
        torch.Tensor, dict, OrderedDict, list, tuple, str, int, float, bool,
        type(None)
    }
    assert _types(state) <= allowed
    resumed = WeightController(**kwargs)
    resumed.load_state_dict(state)
    _run(resumed, [3])
    for p, q in zip(straight.policy.parameters(), resumed.policy.parameters()):
        assert torch.equal(p, q)
    assert len(resumed.policies) == 3
    for a, b in zip(straight.policies, resumed.policies):
        assert all(torch.equal(a[k], b[k]) for k in a)
    lam = straight.loss_weights([0.5, 1.0], [1.0, 2.0])
    assert torch.equal(straight.sample(lam, 4, 4), resumed.sample(lam, 4, 4))
    rebuilt = WeightController.from_state_dict(state)
    assert rebuilt.sigma == 0.3 and rebuilt.seed == 4


def test_best_loss_weights_are_the_files_not_the_controllers():
    """lambda_best^T is the exploration's: not in the controller's state; a
    controller.pth that carries it (under today's key or mmada <= 0.2's
    'best_weights') loads, and upgrade_controller_state puts either under
    today's key."""
    ctrl = WeightController(['a', 'b'])
    assert 'best_loss_weights' not in ctrl.state_dict()
    assert 'best_loss_weights' not in upgrade_controller_state(
        ctrl.state_dict())
    for key in ('best_loss_weights', 'best_weights'):
        state = dict(ctrl.state_dict(), **{key: torch.tensor([1.1, 0.9], **F64)})
        WeightController(['a', 'b']).load_state_dict(state)
        upgraded = upgrade_controller_state(state)
        assert upgraded['best_loss_weights'].tolist() == [1.1, 0.9]
        assert 'best_weights' not in upgraded


def test_upgrade_fills_what_old_files_lack_with_their_behaviour():
    """A file of mmada 0.1 (no output, param_scale, sampling, lr_schedule,
    betas, state, equalise) gets each from OLD_FILE_DEFAULTS, written out
    here; keys the file has are kept; the input is not changed."""
    state = WeightController(['a', 'b'], sigma=0.3).state_dict()
    old_keys = ('output', 'param_scale', 'sampling', 'lr_schedule', 'betas',
                'state', 'equalise')
    for key in old_keys:
        del state['hparams'][key]
    upgraded = upgrade_controller_state(state)['hparams']
    assert {k: upgraded[k] for k in old_keys} == dict(
        output='exp', param_scale=1.0, sampling='linear',
        lr_schedule='constant', betas=[0.9, 0.999], state='normalised',
        equalise=None)
    assert set(OLD_FILE_DEFAULTS) == set(old_keys)
    assert upgraded['sigma'] == 0.3
    assert 'output' not in state['hparams']  # not changed in place
    rebuilt = WeightController.from_state_dict(state)
    assert rebuilt.hparams['output'] == 'exp'
    assert rebuilt.hparams['sampling'] == 'linear'


def test_load_refuses_other_losses_and_hparams():
    state = WeightController(['loss_cls', 'loss_bbox']).state_dict()
    with pytest.raises(ValueError,
                       match=r"\['loss_cls', 'loss_bbox'\].*\['loss_cls', "
                       r"'loss_seg'\]"):
        WeightController(['loss_cls', 'loss_seg']).load_state_dict(state)
    with pytest.raises(ValueError, match='sigma'):
        WeightController(['loss_cls', 'loss_bbox'],
                         sigma=0.1).load_state_dict(state)
