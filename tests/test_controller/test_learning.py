"""The default parametrisation (residual output, param_scale), the
'untrained' transfer mode, old controller files, and the learning
diagnostics of an Eq. 6 step, against hand-computed numbers."""
import io
import math

import numpy as np
import pytest
import torch

from mmada.controller import (PolicyEnsemble, PolicyNetwork, WeightController,
                              ensemble_weights)
from mmada.controller.controller import PAPER_CONTROLLER, learning_diagnostics
from mmada.engine.runner.strategies import AdaSegmentStrategy

F64 = dict(dtype=torch.float64)
# x = [1, 4] / [2, 2] = [0.5, 2]
LOSSES, L_REF = [1.0, 4.0], [2.0, 2.0]
SAMPLES = torch.tensor([[3.0, 0.5], [2.0, 1.0]], **F64)
SIGMA, C = 0.2, 0.1


def _tiny(**kwargs):
    """n = 2, hidden = 2, init_std 0, the default residual output and
    param_scale 0.1: the hidden layers compute mean(x) = 1.25 (effective
    weights 1/2, stored 5), the output layer is 0, so lambda = exp(0) = 1.
    Eq. 2 as the paper writes it, N(lambda, sigma^2) (the default log-space
    sampling's step is worked out in test_controller_options.py)."""
    kwargs.setdefault('sampling', 'linear')
    return WeightController(['a', 'b'], hidden=2, init_std=0.0, sigma=SIGMA,
                            **kwargs)


@pytest.mark.parametrize('init_std', [0.0, 0.01, 0.5])
def test_residual_init_gives_lambda_one_at_every_state(init_std):
    ctrl = WeightController(['a', 'b', 'c'], init_std=init_std, seed=4)
    for losses in ([1.0, 1.0, 1.0], [0.1, 3.0, 7.0], [1e-9, 1e3, 2.0]):
        lam = ctrl.loss_weights(losses, [1.0, 2.0, 0.5])
        assert torch.equal(lam, torch.ones(3, **F64))


def test_param_scale_stores_parameters_in_units_of_c():
    policy = PolicyNetwork(2, hidden=2, init_std=0.0, param_scale=C)
    # effective weights 1/n_c: stored (1/2) / 0.1 = 5
    assert policy.fc1.weight.tolist() == [[5.0, 5.0], [5.0, 5.0]]
    assert torch.equal(policy.fc3.weight, torch.zeros(2, 2, **F64))
    with pytest.raises(ValueError, match='param_scale'):
        PolicyNetwork(2, param_scale=0.0)


def test_gradient_and_first_step_by_hand():
    """mu = exp(z), z = c (W3 h + b3), h = [1.25, 1.25], W3 = b3 = 0 -> mu
    = [1, 1]. dJ/d b3_i = 1/m sum_j r_j (s_ji - mu_i) / sigma^2 * c * mu_i:
    r = [1, -1]: i=0: (2 - 1) / 2 / 0.04 * 0.1 = 1.25;
    i=1: (-0.5 - 0) / 2 / 0.04 * 0.1 = -0.625; dJ/dW3_ik = that * 1.25.
    The first Adam step moves each stored parameter with a gradient by lr
    (fc1, fc2 get none: W3 = 0), so z_i = c * (+-lr * (1.25 + 1.25 + 1))
    = +-0.1 * 0.05 * 3.5 = +-0.0175: lambda = exp([0.0175, -0.0175])."""
    ctrl = _tiny(lr=0.05, weight_decay=0.0)
    rewards = torch.tensor([1.0, -1.0], **F64)
    (rewards * ctrl.log_density(LOSSES, L_REF, SAMPLES)).mean().backward()
    assert ctrl.policy.fc3.bias.grad.tolist() == pytest.approx([1.25, -0.625],
                                                               abs=1e-12)
    assert ctrl.policy.fc3.weight.grad.flatten().tolist() == pytest.approx(
        [1.5625, 1.5625, -0.78125, -0.78125], abs=1e-12)
    assert ctrl.policy.fc1.weight.grad.abs().max() == 0
    ctrl = _tiny(lr=0.05, weight_decay=0.0)
    info = ctrl.update(LOSSES, L_REF, SAMPLES, [1.0, -1.0])
    lam = ctrl.loss_weights(LOSSES, L_REF)
    assert lam.tolist() == pytest.approx(
        [math.exp(0.0175), math.exp(-0.0175)], abs=1e-9)
    # the move of log lambda due to learning: rms([0.0175, -0.0175])
    assert info['policy_move'] == pytest.approx(0.0175, abs=1e-9)
    assert info['loss_weights_after'] == pytest.approx(lam.tolist(), abs=1e-12)
    # the paper's units (param_scale 1) move z by 10x as much
    big = _tiny(lr=0.05, weight_decay=0.0, param_scale=1.0)
    assert big.update(LOSSES, L_REF, SAMPLES,
                      [1.0, -1.0])['policy_move'] == pytest.approx(
                          0.175, abs=1e-9)


def test_diagnostics_of_an_offset_reward_by_hand():
    """r = [3, 1] = offset 2 + centred [1, -1]. By the numbers above, per
    unit of r_j (s_ji - mu_i): b3 gradient of J for r = [3, 1]:
    i=0: (3 * 2 + 1 * 1) / 2 / 0.04 * 0.1 = 8.75,
    i=1: (3 * -0.5 + 1 * 0) / 0.08 * 0.1 = -1.875; centred: [1.25, -0.625].
    Every W3_ik gradient is the b3_i one times h_k = 1.25, fc1/fc2 have
    none, so both gradients are (g0, g1) x (1.25, 1.25, 1):
    cosine = (8.75 * 1.25 + 1.875 * 0.625) / (|(8.75, 1.875)| |(1.25,
    0.625)|), offset share = |(7.5, -1.25)| / |(8.75, -1.875)|."""
    ctrl = _tiny()
    info = ctrl.update(LOSSES, L_REF, SAMPLES, [3.0, 1.0])
    k = math.sqrt(1.25**2 * 2 + 1)
    cosine = (8.75 * 1.25 + 1.875 * 0.625) / (math.hypot(8.75, 1.875) *
                                              math.hypot(1.25, 0.625))
    assert info['grad_cosine_centred'] == pytest.approx(cosine, abs=1e-12)
    assert info['grad_cosine_centred'] == pytest.approx(0.968277, abs=1e-6)
    assert info['offset_share'] == pytest.approx(
        math.hypot(7.5, 1.25) / math.hypot(8.75, 1.875), abs=1e-12)
    assert info['grad_norm'] == pytest.approx(k * math.hypot(8.75, 1.875),
                                              abs=1e-12)
    assert info['grad_norm_centred'] == pytest.approx(
        k * math.hypot(1.25, 0.625), abs=1e-12)
    # an invalid member (-1) is not centred: valid r = [3] -> centred [0]
    info = _tiny().update(LOSSES, L_REF, SAMPLES, [3.0, -1.0],
                          valid=[True, False])
    # centred rewards [0, -1]: b3 grad (0 + -1 * [1, 0]) / 0.08 * 0.1
    assert info['grad_norm_centred'] == pytest.approx(k * 1.25, abs=1e-12)


def test_learning_diagnostics_pure():
    g = torch.tensor([3.0, 4.0], **F64)
    info = learning_diagnostics(g, torch.tensor([3.0, 0.0], **F64),
                                torch.tensor([1.0, 2.0], **F64),
                                torch.tensor([math.e, 2.0], **F64))
    assert info['grad_cosine_centred'] == pytest.approx(0.6)
    assert info['offset_share'] == pytest.approx(4 / 5)
    assert info['policy_move'] == pytest.approx(math.sqrt(0.5))  # rms(1, 0)


def test_strategy_reports_the_reward_split_by_hand():
    # v = [40, 42, 44, 46], v_best 41, t = 1 of T = 2 (floor inactive):
    # r_local = [-3, -1, 1, 3]/sqrt5 (mean 0, std 1); r_imp = [-1, 1, 3,
    # 5]/sqrt5 (mean 2/sqrt5, std 1); used: centred, 1/2 * 2 r_local
    strategy = AdaSegmentStrategy(['a', 'b'], 4, 2, SIGMA, 0, 'local+imp',
                                  dict(hidden=2))
    state = dict(l_best=LOSSES, l_ref=L_REF, v_best=41.0)
    samples = torch.ones(4, 2, **F64)
    _, info = strategy.learn(1, state, samples,
                             np.array([40.0, 42.0, 44.0, 46.0]),
                             np.array([True] * 4))
    s5 = math.sqrt(5)
    assert info['reward_local_mean'] == pytest.approx(0, abs=1e-12)
    assert info['reward_local_std'] == pytest.approx(1, abs=1e-12)
    assert info['reward_imp_mean'] == pytest.approx(2 / s5, abs=1e-12)
    assert info['reward_imp_std'] == pytest.approx(1, abs=1e-12)
    assert info['reward_total_mean'] == pytest.approx(0, abs=1e-12)
    assert info['reward_total_std'] == pytest.approx(1, abs=1e-12)


def _saved(ctrl):
    buf = io.BytesIO()
    torch.save(ctrl.state_dict(), buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


def test_untrained_mode_is_the_init_policy():
    ctrl = WeightController(['a', 'b'], seed=3)
    for _ in range(2):
        ctrl.update(LOSSES, L_REF, SAMPLES, [1.0, -1.0])
        ctrl.snapshot()
    state = _saved(ctrl)
    untrained = PolicyEnsemble.from_state_dict(state, mode='untrained')
    assert untrained.is_dynamic
    # the default's pi^0 is the Baseline at any state ...
    assert untrained.loss_weights(LOSSES, L_REF, 1, 2).tolist() == [1.0, 1.0]
    trained = PolicyEnsemble.from_state_dict(state)
    assert trained.loss_weights(LOSSES, L_REF, 1, 2).tolist() != [1.0, 1.0]
    # ... the old exp output's pi^0 (std 0) is exp(mean(x) - 1) / x:
    # x = [0.5, 2], mean 1.25 -> exp(0.25) / [0.5, 2]
    old = WeightController(['a', 'b'], init_std=0.0, output='exp')
    old.update(LOSSES, L_REF, SAMPLES, [1.0, -1.0])
    old.snapshot()
    lam = PolicyEnsemble.from_state_dict(_saved(old), mode='untrained')
    assert lam.loss_weights(LOSSES, L_REF, 1, 1).tolist() == pytest.approx(
        [math.exp(0.25) / 0.5, math.exp(0.25) / 2], abs=1e-12)


def test_old_controller_file_loads_with_its_parametrisation():
    """Files of mmada <= 0.1 have no param_scale (their pi computed with
    its parameters as they are) and may lack output ('exp')."""
    old = WeightController(['a', 'b'], output='exp', param_scale=1.0)
    old.update(LOSSES, L_REF, SAMPLES, [1.0, -1.0])
    old.snapshot()
    state = _saved(old)
    del state['hparams']['param_scale'], state['hparams']['output']
    expected = old.loss_weights(LOSSES, L_REF)
    assert torch.equal(
        WeightController.from_state_dict(state).loss_weights(LOSSES, L_REF),
        expected)
    lam = PolicyEnsemble.from_state_dict(state, mode='single-dy').loss_weights(
        LOSSES, L_REF, 1, 1)
    assert torch.equal(lam, expected)
    with pytest.raises(ValueError, match='param_scale'):
        WeightController(['a', 'b'], output='exp').load_state_dict(state)


def test_paper_controller_is_the_literal_reading():
    ctrl = WeightController(['a', 'b'], init_std=0.0, **PAPER_CONTROLLER)
    # linear output, paper units: pi(x) = mean(x) = 1.25, lambda = 1.25 / x
    assert ctrl.loss_weights(LOSSES, L_REF).tolist() == pytest.approx(
        [2.5, 0.625], abs=1e-12)
    assert ensemble_weights(ctrl.policies or [ctrl.policy], LOSSES, L_REF, 1,
                            1).tolist() == pytest.approx([2.5, 0.625],
                                                         abs=1e-12)
