"""Rewards, Eqs. 3-5, against hand-computed numbers."""
import math

import numpy as np
import pytest

from mmada.controller import ada_segment_rewards

S5 = math.sqrt(5)


def test_hand_example_all_valid():
    # mean 43, std (ddof 0) sqrt(5); r_local = [-3,-1,1,3]/sqrt5,
    # r_imp = [-1,1,3,5]/sqrt5, r = 1/2 * (sum) = [-2,0,2,4]/sqrt5.
    r = ada_segment_rewards([40, 42, 44, 46], 41, 1, 2, [True] * 4)
    np.testing.assert_allclose(r, [-2 / S5, 0, 2 / S5, 4 / S5], atol=1e-12)


def test_last_checkpoint_scale_is_one_and_local_only():
    r = ada_segment_rewards([40, 42, 44, 46],
                            41,
                            2,
                            2, [True] * 4,
                            use_improvement=False)
    np.testing.assert_allclose(r, [-3 / S5, -1 / S5, 1 / S5, 3 / S5],
                               atol=1e-12)
    r = ada_segment_rewards([40, 42, 44, 46], 41, 2, 2, [True] * 4)
    np.testing.assert_allclose(r, [-4 / S5, 0, 4 / S5, 8 / S5], atol=1e-12)


def test_invalid_member_gets_minus_one_and_is_excluded():
    # valid v = [40, 44, 46]: mean 130/3, deviations [-10, 2, 8]/3,
    # var = 168/27 = 56/9, std = sqrt(56)/3 -> r_local = [-10, 2, 8]/sqrt56;
    # v - 41 = [-1, 3, 5] -> r_imp = [-3, 9, 15]/sqrt56; t/T = 1.
    s56 = math.sqrt(56)
    r = ada_segment_rewards([40, float('nan'), 44, 46], 41, 2, 2,
                            [True, False, True, True])
    assert r[1] == -1.0
    np.testing.assert_allclose(r[[0, 2, 3]], [-13 / s56, 11 / s56, 23 / s56],
                               atol=1e-12)


def test_invalid_reward_is_not_scaled_and_none_is_ignored():
    r = ada_segment_rewards([None, 40, 44], 41, 1, 4, [False, True, True])
    # 2 valid: std 2, r_local = [-1, 1], r_imp = [-1, 3]/2; * 1/4
    np.testing.assert_allclose(r, [-1.0, -0.375, 0.625], atol=1e-12)


def test_degenerate_cases_give_zeros():
    r = ada_segment_rewards([42, 42, 42], 40, 1, 3, [True] * 3)
    assert np.array_equal(r, [0.0, 0.0, 0.0])
    r = ada_segment_rewards([42, 50], 40, 1, 3, [True, False])
    assert np.array_equal(r, [0.0, -1.0])
    r = ada_segment_rewards([1, 2], 40, 1, 3, [False, False])
    assert np.array_equal(r, [-1.0, -1.0])


@pytest.mark.parametrize('args, match', [
    (dict(checkpoint=0), 'checkpoint'),
    (dict(checkpoint=3), 'checkpoint'),
    (dict(num_checkpoints=0), 'num_checkpoints'),
    (dict(valid=[True]), 'same length'),
])
def test_bad_arguments_raise(args, match):
    kwargs = dict(v=[40, 42],
                  v_best_prev=41,
                  checkpoint=1,
                  num_checkpoints=2,
                  valid=[True, True])
    kwargs.update(args)
    with pytest.raises(ValueError, match=match):
        ada_segment_rewards(**kwargs)
