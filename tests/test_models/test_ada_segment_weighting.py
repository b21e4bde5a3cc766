"""The transfer rule (Eq. 7 and the Table 2 modes) against hand-computed
numbers, its checks and its state."""
from unittest import mock

import numpy as np
import pytest
from toy_controller import write_controller

import mmada  # noqa: F401
from mmada.models import AdaSegmentWeighting

NAMES = ['loss_a', 'loss_b']
# pi^1 and pi^2 output the constants (1, 2) and (3, 1): lambda^t = b^t / x
BIASES = [[1.0, 2.0], [3.0, 1.0]]


@pytest.fixture
def controller(tmp_path):
    return write_controller(tmp_path / 'controller.pth', NAMES, BIASES,
                            best=[0.7, 1.3])


def rule(controller, losses=NAMES, **kwargs):
    """A rule for 3 intervals of 2 iterations: the pseudo one + E = 2."""
    weighting = AdaSegmentWeighting(losses, controller, **kwargs)
    weighting.before_train(max_iters=6, iters_per_epoch=2)
    return weighting


def test_eq7_by_hand(controller):
    """T = 2, E = 2, gamma = 0.5, l_ref = l^1 = (2, 4).

    e = 1: eT/E = 1, coefficients (gamma^0, gamma^1) = (1, 0.5), x = (1, 1):
    lambda^2 = (1 (1, 2) + 0.5 (3, 1)) / 1.5 = (5/3, 5/3).
    e = 2: eT/E = 2, coefficients (0.5, 1), l^2 = (1, 8), x = (0.5, 2):
    lambda^3 = (0.5 (1/0.5, 2/2) + 1 (3/0.5, 1/2)) / 1.5 = (14/3, 2/3).
    """
    weighting = rule(controller, gamma=0.5)
    assert weighting.interval == 2 and weighting.num_intervals == 2
    assert weighting.after_interval(np.array([2.0, 4.0])) == pytest.approx(
        [5 / 3, 5 / 3])
    assert weighting.l_ref.tolist() == [2.0, 4.0]
    assert weighting.after_interval(np.array([1.0, 8.0])) == pytest.approx(
        [14 / 3, 2 / 3])
    assert weighting.after_interval(np.array([1.0, 1.0])) is None  # the end
    assert weighting.interval_count == 3


def test_losses_are_matched_by_name(controller):
    """The run weights (loss_b, loss_a): the same numbers, its order."""
    weighting = rule(controller, losses=['loss_b', 'loss_a'], gamma=0.5)
    weighting.after_interval(np.array([4.0, 2.0]))
    assert weighting.after_interval(np.array([8.0, 1.0])) == pytest.approx(
        [2 / 3, 14 / 3])


@pytest.mark.parametrize('mode, expected', [
    ('single-dy', [3 / 0.5, 1 / 2]),  # pi^T alone at x = (0.5, 2)
    ('pred', [3.0, 1.0]),  # pi^T at the initial state x = 1
    ('final', [0.7, 1.3]),  # lambda_best^T
])
def test_other_modes_by_hand(controller, mode, expected):
    weighting = rule(controller, mode=mode)
    weighting.after_interval(np.array([2.0, 4.0]))
    assert weighting.after_interval(np.array([1.0, 8.0])) == pytest.approx(
        expected)


def test_negative_weights_are_clamped_with_a_warning(tmp_path):
    path = write_controller(tmp_path / 'c.pth', NAMES, [[-1.0, 2.0]])
    weighting = rule(path)
    with mock.patch('mmada.models.ada_segment_weighting.print_log') as log:
        assert weighting.after_interval(np.array([1.0, 1.0])) == [0.0, 2.0]
    warning = log.call_args_list[0]
    assert 'negative loss weights [-1.0, 2.0] clamped' in warning.args[0]
    assert 'loss_weights = [loss_a=0, loss_b=2]' in \
        log.call_args_list[1].args[0]


def test_patterns_are_checked_when_resolved(controller):
    weighting = AdaSegmentWeighting(['loss_*'], controller)
    assert weighting.names is None
    assert weighting.resolve(['loss_b', 'loss_a', 'acc']) == NAMES
    with pytest.raises(ValueError, match=r"made for the losses \['loss_a', "
                       r"'loss_b'\], this model weights \['loss_a'\]"):
        AdaSegmentWeighting(['loss_*'], controller).resolve(['loss_a'])


@pytest.mark.parametrize('kwargs, match', [
    (dict(mode='comb_dy'), 'mode must be one of'),
    (dict(gamma=0), 'gamma must be > 0'),
    (dict(interval=0), 'interval must be an int >= 1'),
])
def test_arguments_are_checked_at_construction(controller, kwargs, match):
    with pytest.raises(ValueError, match=match):
        AdaSegmentWeighting(None, controller, **kwargs)


def test_schedule_needs_two_intervals(controller):
    weighting = AdaSegmentWeighting(NAMES, controller, interval=4)
    with pytest.raises(ValueError, match=r'7 iterations make 1 interval'):
        weighting.before_train(max_iters=7, iters_per_epoch=2)
    weighting.before_train(max_iters=8, iters_per_epoch=2)
    assert weighting.num_intervals == 1


def test_state_dict_round_trip(controller):
    weighting = rule(controller, gamma=0.5)
    weighting.after_interval(np.array([2.0, 4.0]))
    resumed = rule(controller, gamma=0.5)
    resumed.load_state_dict(weighting.state_dict())
    assert resumed.interval_count == 1
    assert resumed.after_interval(np.array([1.0, 8.0])) == pytest.approx(
        [14 / 3, 2 / 3])
