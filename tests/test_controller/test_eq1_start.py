"""Eq. 1's start (issue: the paper's controller predicts weighted losses):
the paper's raw state, the equalised start g(l) / l, and the untrained
controller as a 1x rule; every number computed by hand below."""
import math

import pytest
import torch

from mmada.controller import PolicyEnsemble, WeightController
from mmada.controller.controller import (EQUALISED_CONTROLLER,
                                         PAPER_CONTROLLER)
from mmada.controller.policy import equalised_start
from mmada.models import AdaSegmentWeighting

NAMES = ['a', 'b', 'c']
LOSSES = [0.2, 1.0, 3.0]  # mean 1.4; geometric mean 0.6 ** (1/3)
L_REF = [0.5, 1.0, 2.0]  # mean 7 / 6
# mean(l) / l = (1.4 / 0.2, 1.4 / 1, 1.4 / 3)
EQUALISED = [7.0, 1.4, 1.4 / 3]


def test_equalised_start_by_hand():
    assert equalised_start(LOSSES, 'mean').tolist() == pytest.approx(
        EQUALISED, abs=1e-12)
    g = 0.6**(1 / 3)  # 0.843433
    assert equalised_start(LOSSES, 'geomean').tolist() == pytest.approx(
        [g / 0.2, g / 1.0, g / 3.0], abs=1e-12)
    # every weighted loss equals g(l)
    assert (equalised_start(LOSSES, 'mean') *
            torch.tensor(LOSSES, dtype=torch.float64)).tolist() == \
        pytest.approx([1.4] * 3, abs=1e-12)


def test_paper_controller_untrained_equalises_raw_losses():
    """The paper's pi^0 (raw state, linear output, weights 1 / n_c, biases
    0; init_std 0): every layer outputs the mean of its input, so pi^0(l)
    = mean(l) = 1.4 for every loss and lambda^1 = 1.4 / l, whatever l_ref
    (the raw state does not use it)."""
    ctrl = WeightController(NAMES, init_std=0.0, **PAPER_CONTROLLER)
    assert ctrl.hparams['state'] == 'raw'
    assert ctrl.loss_weights(LOSSES, L_REF).tolist() == pytest.approx(
        EQUALISED, abs=1e-12)
    assert ctrl.loss_weights(LOSSES, [9.0, 9.0, 9.0]).tolist() == \
        pytest.approx(EQUALISED, abs=1e-12)


def test_equalised_controller_starts_at_the_equaliser():
    """Normalised state, residual output: pi(x) / x = exp(0) = 1 before any
    update, times mean(l) / l."""
    ctrl = WeightController(NAMES, **EQUALISED_CONTROLLER)
    assert ctrl.loss_weights(LOSSES, L_REF).tolist() == pytest.approx(
        EQUALISED, abs=1e-12)
    geo = WeightController(NAMES, equalise='geomean')
    g = 0.6**(1 / 3)
    assert geo.loss_weights(LOSSES, L_REF).tolist() == pytest.approx(
        [g / 0.2, g, g / 3], abs=1e-12)
    # today's default: lambda^0 = 1 (the Baseline)
    assert WeightController(NAMES).loss_weights(LOSSES, L_REF).tolist() == \
        [1.0, 1.0, 1.0]


def test_eq2_and_eq6_use_the_equalised_mean():
    """log s at lam_hat = mu (z = 0, log sampling): -n log(sigma sqrt(2 pi))
    - sum log mu; sigma 0.2: 3 * 0.6904994 - log(7 * 1.4 * 1.4 / 3) =
    2.071498 - 1.520242 = 0.551256."""
    ctrl = WeightController(NAMES, **EQUALISED_CONTROLLER)
    mu = torch.tensor([EQUALISED], dtype=torch.float64)
    log_s = ctrl.log_density(LOSSES, L_REF, mu)
    assert float(log_s) == pytest.approx(0.551255, abs=1e-6)
    assert 3 * (math.log(0.2) + 0.5 * math.log(2 * math.pi)) == \
        pytest.approx(-2.071498, abs=1e-6)
    # samples are spread around the equaliser, in log space
    samples = ctrl.sample(ctrl.loss_weights(LOSSES, L_REF), 400, 1)
    assert samples.log().mean(0).exp().tolist() == pytest.approx(
        EQUALISED, rel=0.05)
    # a step moves the learned part away from 1 (it learns departures)
    ctrl.update(LOSSES, L_REF, samples[:8], torch.linspace(-1, 1, 8))
    assert ctrl.loss_weights(LOSSES, L_REF).tolist() != pytest.approx(
        EQUALISED, abs=1e-6)


@pytest.mark.parametrize('settings, expected', [
    (dict(EQUALISED_CONTROLLER), EQUALISED),
    (dict(PAPER_CONTROLLER, init_std=0.0), EQUALISED),
    (dict(), [1.0, 1.0, 1.0]),
])
def test_transfer_keeps_the_controllers_eq1(settings, expected):
    """A saved controller's state and equaliser travel with its file: Eq. 7
    (comb-dy, untrained, single-dy) gives what the controller gives, and
    'pred' is evaluated at l^1: mean(l_ref) / l_ref = (7/6) / (0.5, 1, 2)
    with the equaliser (1 without)."""
    ctrl = WeightController(NAMES, **settings)
    ctrl.snapshot()
    ctrl.snapshot()
    state = ctrl.state_dict()
    for mode in ('comb-dy', 'untrained', 'single-dy'):
        lam = PolicyEnsemble.from_state_dict(state, mode).loss_weights(
            LOSSES, L_REF, 1, 2)
        assert lam.tolist() == pytest.approx(expected, abs=1e-12), mode
    pred = PolicyEnsemble.from_state_dict(state, 'pred')
    want = [7 / 6 / 0.5, 7 / 6, 7 / 6 / 2] if expected != [1.0] * 3 \
        else expected
    assert pred.loss_weights(LOSSES, L_REF, 1, 2).tolist() == pytest.approx(
        want, abs=1e-12)
    # static: the same weights at another interval and loss
    assert pred.loss_weights([5.0, 5.0, 5.0], L_REF, 2, 2).tolist() == \
        pytest.approx(want, abs=1e-12)


def test_old_controller_files_keep_their_eq1():
    """Files written before ``state`` and ``equalise`` existed were made
    with the normalised state and no equaliser."""
    state = WeightController(NAMES).state_dict()
    for key in ('state', 'equalise'):
        del state['hparams'][key]
    ctrl = WeightController.from_state_dict(state)
    assert (ctrl.hparams['state'], ctrl.hparams['equalise']) == \
        ('normalised', None)
    with pytest.raises(ValueError, match='Hyper-parameters differ'):
        WeightController(NAMES, equalise='mean').load_state_dict(state)


@pytest.mark.parametrize('kwargs, match', [
    (dict(state='l'), r"`state` must be one of \('normalised', 'raw'\)"),
    (dict(equalise='median'), "`equalise` must be one of"),
])
def test_bad_eq1_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        WeightController(NAMES, **kwargs)


def test_untrained_equaliser_as_a_1x_rule():
    """AdaSegmentWeighting with controller settings instead of a file and
    mode 'untrained': after the pseudo interval (l^1 = LOSSES) the weights
    are mean(l^1) / l^1; after the next, mean(l^2) / l^2 (l^2 = (1, 2, 3):
    2 / (1, 2, 3))."""
    weighting = AdaSegmentWeighting(NAMES, dict(equalise='mean'),
                                    mode='untrained')
    weighting.before_train(max_iters=6, iters_per_epoch=2)
    assert weighting.after_interval(LOSSES) == pytest.approx(EQUALISED,
                                                             abs=1e-12)
    assert weighting.after_interval([1.0, 2.0, 3.0]) == pytest.approx(
        [2.0, 1.0, 2 / 3], abs=1e-12)
    with pytest.raises(TypeError, match="with mode 'untrained', a dict"):
        AdaSegmentWeighting(NAMES, dict(equalise='mean'), mode='comb-dy')
    with pytest.raises(ValueError, match='`equalise` must be one of'):
        AdaSegmentWeighting(NAMES, dict(equalise='max'), mode='untrained')
