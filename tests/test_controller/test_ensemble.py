"""Policy transfer: Eq. 7 and the 'comb-dy', 'single-dy', 'pred', 'final',
'untrained' modes, on hand-made policies with known outputs."""
import io
import math

import pytest
import torch

from mmada.controller import (PolicyEnsemble, PolicyNetwork, WeightController,
                              ensemble_weights)

F64 = dict(dtype=torch.float64)
LINEAR = dict(output='linear', param_scale=1.0)
LOSSES, L_REF = [1.0, 4.0], [2.0, 2.0]  # x = [0.5, 2]


def _policy(t, bias=0.0):
    """pi^t(x) = t * x + bias for x >= 0, so lambda = t + bias / x (a linear
    output: Eq. 7 does not depend on pi's output function)."""
    policy = PolicyNetwork(2, hidden=4, init_std=0.0, output='linear',
                           param_scale=1.0)
    with torch.no_grad():
        eye = torch.zeros(4, 2, **F64)
        eye[0, 0] = eye[1, 1] = 1.0
        policy.fc1.weight.copy_(eye)
        policy.fc2.weight.copy_(torch.eye(4, **F64))
        policy.fc3.weight.copy_(t * eye.T)
        policy.fc3.bias.fill_(bias)
    return policy


def test_eq7_equal_intervals_and_checkpoints():
    # e*T/E = 1 -> coefficients 0.9^0, 0.9^1, 0.9^2 = 1, 0.9, 0.81
    lam = ensemble_weights([_policy(t) for t in (1, 2, 3)],
                           LOSSES,
                           L_REF,
                           interval=1,
                           num_intervals=3)
    expected = (1 * 1 + 0.9 * 2 + 0.81 * 3) / 2.71  # 5.23 / 2.71
    assert lam.tolist() == pytest.approx([expected] * 2, abs=1e-12)


def test_eq7_intervals_differ_from_checkpoints():
    # T=2, E=4, e=1: e*T/E = 0.5 -> 0.9^0.5 for t=1, 0.9^1.5 for t=2
    w1, w2 = math.pow(0.9, 0.5), math.pow(0.9, 1.5)
    expected = (w1 * 1 + w2 * 2) / (w1 + w2)
    policies = [_policy(t).state_dict() for t in (1, 2)]  # dicts work too
    lam = ensemble_weights(policies,
                           LOSSES,
                           L_REF,
                           interval=1,
                           num_intervals=4,
                           policy_cfg=LINEAR)
    assert lam.tolist() == pytest.approx([expected] * 2, abs=1e-12)
    # last interval e = E = 4: e*T/E = 2 -> 0.9^1 for t=1, 1 for t=2
    lam = ensemble_weights(policies, LOSSES, L_REF, interval=4, num_intervals=4,
                           policy_cfg=LINEAR)
    assert lam.tolist() == pytest.approx([(0.9 + 2) / 1.9] * 2, abs=1e-12)


def test_eq7_bad_interval_raises():
    with pytest.raises(ValueError, match='interval'):
        ensemble_weights([_policy(1)], LOSSES, L_REF, interval=0, num_intervals=3)


def _controller_file():
    """A saved controller whose snapshots are pi^t(x) = t x + 1 (T = 3)."""
    ctrl = WeightController(['a', 'b'], hidden=4, sampling='linear',
                            **LINEAR)
    for t in (1, 2, 3):
        ctrl.policy.load_state_dict(_policy(t, bias=1.0).state_dict())
        ctrl.snapshot()
    best = torch.tensor([0.7, 1.6], dtype=torch.float64)
    state = dict(ctrl.state_dict(), best_loss_weights=best)
    buf = io.BytesIO()
    torch.save(state, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


def test_modes_from_a_controller_file():
    state = _controller_file()
    # lambda^t = t + 1 / x, x = [0.5, 2] -> t + [2, 0.5]
    comb = PolicyEnsemble.from_state_dict(state)  # 'comb-dy', e*T/E = 1
    t_mean = (1 * 1 + 0.9 * 2 + 0.81 * 3) / 2.71
    assert comb.loss_weights(LOSSES, L_REF, 1, 3).tolist() == pytest.approx(
        [t_mean + 2, t_mean + 0.5], abs=1e-12)
    single = PolicyEnsemble.from_state_dict(state, mode='single-dy')
    assert single.loss_weights(LOSSES, L_REF, 1, 3).tolist() == \
        pytest.approx([5.0, 3.5], abs=1e-12)
    # pred: pi^T at x = ones -> 3 + 1 = 4, whatever the losses
    pred = PolicyEnsemble.from_state_dict(state, mode='pred')
    assert pred.loss_weights(LOSSES, L_REF, 2, 3).tolist() == \
        pytest.approx([4.0, 4.0], abs=1e-12)
    final = PolicyEnsemble.from_state_dict(state, mode='final')
    assert final.loss_weights(None, None, 3, 3).tolist() == [0.7, 1.6]
    assert comb.is_dynamic and single.is_dynamic
    assert not pred.is_dynamic and not final.is_dynamic


def test_exp_output_by_hand():
    """The exp output eta = exp(z - 1): with pi^1's z = x (an identity MLP,
    bias 0) and x = [0.5, 2], lambda = exp(x - 1) / x."""
    policy = _policy(1)
    exp_policy = PolicyNetwork(2, hidden=4, init_std=0.0, output='exp',
                               param_scale=1.0)
    exp_policy.load_state_dict(policy.state_dict())
    lam = ensemble_weights([exp_policy], LOSSES, L_REF, interval=1, num_intervals=1)
    expected = [math.exp(-0.5) / 0.5, math.exp(1.0) / 2.0]
    assert lam.tolist() == pytest.approx(expected, abs=1e-12)
    # and from a state dict, the output function is an argument
    lam = ensemble_weights([policy.state_dict()], LOSSES, L_REF, 1, 1,
                           policy_cfg=dict(output='exp', param_scale=1.0))
    assert lam.tolist() == pytest.approx(expected, abs=1e-12)
    # the residual output eta = x exp(z): lambda = exp(z) = exp(x)
    lam = ensemble_weights([policy.state_dict()], LOSSES, L_REF, 1, 1,
                           policy_cfg=dict(output='residual', param_scale=1.0))
    assert lam.tolist() == pytest.approx([math.exp(0.5), math.exp(2.0)],
                                         abs=1e-12)


def test_bad_mode_and_missing_best_loss_weights_raise():
    state = _controller_file()
    with pytest.raises(ValueError, match="comb-dy.*single-dy.*pred.*final"):
        PolicyEnsemble.from_state_dict(state, mode='comb')
    with pytest.raises(ValueError, match='losses'):
        PolicyEnsemble.from_state_dict(state, loss_names=['a', 'c'])
    del state['best_loss_weights']
    with pytest.raises(ValueError, match='best_loss_weights'):
        PolicyEnsemble.from_state_dict(state, mode='final')


def test_final_mode_reads_a_file_of_mmada_0_2():
    """Files written before the rename store lambda_best^T as
    ``best_weights``."""
    state = _controller_file()
    state['best_weights'] = state.pop('best_loss_weights')
    final = PolicyEnsemble.from_state_dict(state, mode='final')
    assert final.loss_weights(None, None, 1, 3).tolist() == [0.7, 1.6]
