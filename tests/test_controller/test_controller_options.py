"""WeightController options beyond the paper's text, against hand-computed
numbers: log-space sampling, Adam's lr schedule and betas, the defaults
(mmada 0.3) and mmada 0.2's, and files written before these options
existed."""
import io
import math

import pytest
import torch

from mmada.controller import WeightController
from mmada.controller.controller import (LINEAR_SAMPLING_CONTROLLER,
                                         LOG_SAMPLING_CONTROLLER)

F64 = dict(dtype=torch.float64)
# x = [1, 4] / [2, 2] = [0.5, 2]: h = [1.25, 1.25] in _tiny, mu = [1, 1]
LOSSES, L_REF = [1.0, 4.0], [2.0, 2.0]
LOG_SAMPLES = torch.tensor([[0.2, 0.0], [-0.1, 0.4]], **F64)
SAMPLES = LOG_SAMPLES.exp()
SIGMA, LR = 0.2, 0.05


def _tiny(**kwargs):
    """n = 2, hidden = 2, init_std 0, residual output, param_scale 0.1:
    z = 0.1 (W3 h + b3) with W3 = b3 = 0, so lambda = mu = [1, 1]."""
    kwargs.setdefault('weight_decay', 0.0)
    return WeightController(['a', 'b'], hidden=2, init_std=0.0, sigma=SIGMA,
                            lr=LR, **kwargs)


def test_log_sampling_is_lam_times_exp_sigma_eps():
    lam = torch.tensor([1.0, 0.5, 0.01], **F64)
    linear = WeightController(['a', 'b', 'c'], seed=3, sampling='linear')
    log = WeightController(['a', 'b', 'c'], seed=3, sampling='log')
    s_lin, s_log = linear.sample(lam, 500, 2), log.sample(lam, 500, 2)
    # the same eps: s_lin - lam = sigma eps, s_log = lam exp(sigma eps)
    torch.testing.assert_close(s_log, lam * torch.exp(s_lin - lam),
                               rtol=1e-12, atol=0)
    # never invalid, while N(0.01, 0.2^2) is negative about half the time
    assert WeightController.is_valid(s_log).all()
    assert (~WeightController.is_valid(s_lin)).sum() > 200


def test_log_density_by_hand():
    """log lam_hat = [[0.2, 0], [-0.1, 0.4]], mu = 1: z = log lam_hat /
    0.2 = [[1, 0], [-0.5, 2]]; log s = sum_i -z^2 / 2 - log(sigma sqrt(2
    pi)) - log lam_hat_i (the log-normal's Jacobian)."""
    ctrl = _tiny(sampling='log')
    const = 2 * (math.log(0.2) + 0.5 * math.log(2 * math.pi))
    expected = [-0.5 * 1.0 - const - 0.2, -0.5 * 4.25 - const - 0.3]
    logp = ctrl.log_density(LOSSES, L_REF, SAMPLES)
    assert logp.tolist() == pytest.approx(expected, abs=1e-12)


def test_log_sampling_gradient_and_first_step_by_hand():
    """log mu = z: d log s_j / d z_i = (log lam_hat_ji - z_i) / sigma^2.
    r = [1, -1], dJ/d b3_i = 1/2 sum_j r_j log lam_hat_ji / 0.04 * 0.1:
    i=0: (0.2 + 0.1) / 2 / 0.04 * 0.1 = 0.375; i=1: (0 - 0.4) / 0.8 =
    -0.5. The first Adam step moves every parameter with a gradient by lr
    against the sign of -J's gradient: b3 = [0.05, -0.05], and z_i = 0.1 *
    (+-0.05) * (1.25 + 1.25 + 1) = +-0.0175."""
    ctrl = _tiny(sampling='log')
    rewards = torch.tensor([1.0, -1.0], **F64)
    (rewards * ctrl.log_density(LOSSES, L_REF, SAMPLES)).mean().backward()
    assert ctrl.policy.fc3.bias.grad.tolist() == pytest.approx([0.375, -0.5],
                                                               abs=1e-12)
    ctrl = _tiny(sampling='log')
    ctrl.update(LOSSES, L_REF, SAMPLES, [1.0, -1.0])
    # (Adam's eps 1e-8 makes the step lr |g| / (|g| + eps): 1e-9 off)
    assert ctrl.policy.fc3.bias.tolist() == pytest.approx([0.05, -0.05],
                                                          abs=1e-8)
    assert ctrl.loss_weights(LOSSES, L_REF).tolist() == pytest.approx(
        [math.exp(0.0175), math.exp(-0.0175)], abs=1e-9)


def test_log_sampling_needs_a_positive_output():
    with pytest.raises(ValueError, match="sampling='log'.*linear"):
        WeightController(['a'], sampling='log', output='linear')
    with pytest.raises(ValueError, match='sampling'):
        WeightController(['a'], sampling='uniform')


def _two_steps(second_rewards, **kwargs):
    ctrl = _tiny(sampling='log', **kwargs)
    ctrl.update(LOSSES, L_REF, SAMPLES, [1.0, -1.0])
    ctrl.update(LOSSES, L_REF, SAMPLES, second_rewards)
    return ctrl


@pytest.mark.parametrize('schedule, second', [('constant', 0.05),
                                              ('inv_sqrt', 0.05 / 2**0.5),
                                              ('inv', 0.025)])
def test_lr_schedule_second_step_by_hand(schedule, second):
    """With centred rewards the b3 gradient does not depend on z (sum_j r_j
    z_i = 0): the same rewards twice give the same gradient g, Adam's
    m_hat = g, v_hat = g^2, and the 2nd step moves b3 by lr_2 = lr,
    lr / sqrt(2), lr / 2."""
    ctrl = _two_steps([1.0, -1.0], lr_schedule=schedule)
    step = 0.05 + second
    assert ctrl.policy.fc3.bias.tolist() == pytest.approx([step, -step],
                                                          abs=1e-8)
    assert ctrl.num_updates == 2
    assert ctrl.optimizer.param_groups[0]['lr'] == pytest.approx(second)


def test_lr_schedule_continues_after_resume():
    ctrl = _two_steps([1.0, -1.0], lr_schedule='inv')
    buf = io.BytesIO()
    torch.save(ctrl.state_dict(), buf)
    buf.seek(0)
    resumed = WeightController.from_state_dict(
        torch.load(buf, weights_only=True))
    assert resumed.num_updates == 2
    assert resumed.scheduled_lr(resumed.num_updates + 1) == pytest.approx(
        0.05 / 3)
    with pytest.raises(ValueError, match='lr_schedule'):
        WeightController(['a'], lr_schedule='cosine')


@pytest.mark.parametrize('betas, factor', [((0.9, 0.999), 18 / 19),
                                           ((0.0, 0.999), 0.0),
                                           ((0.7, 0.999), 1.4 / 1.7)])
def test_betas_second_step_by_hand(betas, factor):
    """Rewards reversed at the 2nd update: g_2 = -g_1 = -g. Adam: m_2 =
    b1 (1 - b1) g - (1 - b1) g, m_hat = m_2 / (1 - b1^2) = -g (1 - b1)^2
    / (1 - b1^2); v_hat = g^2. Step 2 = +lr (1 - b1) / (1 + b1) sign(g):
    b3 = 0.05 (1 - (1 - b1) / (1 + b1)) = 0.05 * 2 b1 / (1 + b1), i.e.
    18/19 of the first step with b1 = 0.9, 0 (back to the start) without
    momentum, 1.4 / 1.7 with 0.7."""
    b1 = betas[0]
    assert factor == pytest.approx(2 * b1 / (1 + b1))
    ctrl = _two_steps([-1.0, 1.0], betas=betas)
    assert ctrl.policy.fc3.bias.tolist() == pytest.approx(
        [0.05 * factor, -0.05 * factor], abs=1e-8)
    assert ctrl.optimizer.param_groups[0]['betas'] == tuple(betas)


@pytest.mark.parametrize('betas', [(0.9, ), (1.0, 0.999), (-0.1, 0.9)])
def test_bad_betas_raise(betas):
    with pytest.raises(ValueError, match='betas'):
        WeightController(['a'], betas=betas)


def test_defaults_are_log_sampling_and_beta1_07():
    """Since mmada 0.3 the library's default is LOG_SAMPLING_CONTROLLER;
    LINEAR_SAMPLING_CONTROLLER gives mmada 0.2's (the paper's N(lam,
    sigma^2), Adam's default betas)."""
    assert LOG_SAMPLING_CONTROLLER == dict(sampling='log', betas=(0.7, 0.999))
    default = WeightController(['a', 'b'])
    assert default.hparams['sampling'] == 'log'
    assert default.hparams['betas'] == [0.7, 0.999]
    assert default.optimizer.param_groups[0]['betas'] == (0.7, 0.999)
    old = WeightController(['a', 'b'], **LINEAR_SAMPLING_CONTROLLER)
    assert old.hparams['sampling'] == 'linear'
    assert old.hparams['betas'] == [0.9, 0.999]
    # the paper's linear output needs the paper's sampling, said in one line
    with pytest.raises(ValueError, match="sampling='linear'"):
        WeightController(['a'], output='linear')


def test_files_without_the_options_load_as_made():
    """Files of mmada <= 0.2 have no sampling / lr_schedule / betas: they
    were made with linear sampling, a constant lr and Adam's defaults."""
    ctrl = WeightController(['a', 'b'])
    ctrl.update(LOSSES, L_REF, SAMPLES, [1.0, -1.0])
    state = ctrl.state_dict()
    for key in ('sampling', 'lr_schedule', 'betas'):
        del state['hparams'][key]
    rebuilt = WeightController.from_state_dict(state)
    assert rebuilt.hparams['sampling'] == 'linear'
    assert rebuilt.hparams['lr_schedule'] == 'constant'
    assert rebuilt.hparams['betas'] == [0.9, 0.999]
    assert torch.equal(rebuilt.loss_weights(LOSSES, L_REF),
                       ctrl.loss_weights(LOSSES, L_REF))
    with pytest.raises(ValueError, match='sampling'):
        WeightController(['a', 'b'], sampling='log').load_state_dict(state)
    with pytest.raises(ValueError, match='betas'):
        WeightController(['a', 'b'], betas=(0.7, 0.999)).load_state_dict(state)
