"""Rewards, Eqs. 3-5, against hand-computed numbers: the paper's literal
reading (``PAPER_REWARD``) and the default (centred, std floor)."""
import math

import numpy as np
import pytest

from mmada.controller import ada_segment_rewards
from mmada.controller.rewards import PAPER_REWARD, reward_terms

S5 = math.sqrt(5)


def test_hand_example_all_valid():
    # mean 43, std (ddof 0) sqrt(5); r_local = [-3,-1,1,3]/sqrt5,
    # r_imp = [-1,1,3,5]/sqrt5, r = 1/2 * (sum) = [-2,0,2,4]/sqrt5.
    r = ada_segment_rewards([40, 42, 44, 46], 41, 1, 2, [True] * 4,
                            **PAPER_REWARD)
    np.testing.assert_allclose(r, [-2 / S5, 0, 2 / S5, 4 / S5], atol=1e-12)


def test_last_checkpoint_scale_is_one_and_local_only():
    r = ada_segment_rewards([40, 42, 44, 46],
                            41,
                            2,
                            2, [True] * 4,
                            use_improvement=False,
                            **PAPER_REWARD)
    np.testing.assert_allclose(r, [-3 / S5, -1 / S5, 1 / S5, 3 / S5],
                               atol=1e-12)
    r = ada_segment_rewards([40, 42, 44, 46], 41, 2, 2, [True] * 4,
                            **PAPER_REWARD)
    np.testing.assert_allclose(r, [-4 / S5, 0, 4 / S5, 8 / S5], atol=1e-12)


def test_invalid_member_gets_minus_one_and_is_excluded():
    # valid v = [40, 44, 46]: mean 130/3, deviations [-10, 2, 8]/3,
    # var = 168/27 = 56/9, std = sqrt(56)/3 -> r_local = [-10, 2, 8]/sqrt56;
    # v - 41 = [-1, 3, 5] -> r_imp = [-3, 9, 15]/sqrt56; t/T = 1.
    s56 = math.sqrt(56)
    r = ada_segment_rewards([40, float('nan'), 44, 46], 41, 2, 2,
                            [True, False, True, True], **PAPER_REWARD)
    assert r[1] == -1.0
    np.testing.assert_allclose(r[[0, 2, 3]], [-13 / s56, 11 / s56, 23 / s56],
                               atol=1e-12)


def test_invalid_reward_is_not_scaled_and_none_is_ignored():
    r = ada_segment_rewards([None, 40, 44], 41, 1, 4, [False, True, True],
                            **PAPER_REWARD)
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


def test_default_is_centred_and_equals_twice_r_local():
    # the hand example above: r_local = [-3,-1,1,3]/sqrt5, r_imp =
    # [-1,1,3,5]/sqrt5 (mean 2/sqrt5); t/T = 1/2. Centred: r_imp - mean =
    # r_local, so r = 1/2 * 2 r_local = [-3,-1,1,3]/sqrt5.
    r = ada_segment_rewards([40, 42, 44, 46], 41, 1, 2, [True] * 4)
    np.testing.assert_allclose(r, [-3 / S5, -1 / S5, 1 / S5, 3 / S5],
                               atol=1e-12)
    assert abs(r.mean()) < 1e-12


def test_centring_leaves_invalid_members_at_minus_one():
    # valid [40, 44]: std 2, r_local = [-1, 1], r_imp = [-1, 3]/2 = [-.5,
    # 1.5]; t/T = 1/4: [-0.375, 0.625], mean 0.125 -> [-0.5, 0.5]
    r = ada_segment_rewards([None, 40, 44], 41, 1, 4, [False, True, True],
                            baseline='mean', std_floor=0.0)
    np.testing.assert_allclose(r, [-1.0, -0.5, 0.5], atol=1e-12)


def test_std_floor_is_relative_to_mean_abs_v():
    # v = [40, 40.02]: std 0.01, mean |v| 40.01; floor 1e-3 * 40.01 =
    # 0.04001 > 0.01: r_local = [-0.01, 0.01] / 0.04001; r_imp = ([40,
    # 40.02] - 41) / 0.04001 = [-1, -0.98] / 0.04001 (paper: / 0.01 =
    # [-100, -98], the near-tie blow-up)
    r_local, r_imp = reward_terms(np.array([40.0, 40.02]), 41.0, 1e-3)
    np.testing.assert_allclose(r_local, [-0.01 / 0.04001, 0.01 / 0.04001],
                               rtol=1e-9)
    np.testing.assert_allclose(r_imp, [-1 / 0.04001, -0.98 / 0.04001],
                               rtol=1e-9)
    r_local, r_imp = reward_terms(np.array([40.0, 40.02]), 41.0, 0.0)
    np.testing.assert_allclose(r_imp, [-100, -98], rtol=1e-9)
    # a floor below the std changes nothing
    r = ada_segment_rewards([40, 42, 44, 46], 41, 2, 2, [True] * 4,
                            baseline='none', std_floor=1e-3)
    np.testing.assert_allclose(r, [-4 / S5, 0, 4 / S5, 8 / S5], atol=1e-12)


@pytest.mark.parametrize('kwargs, match', [(dict(baseline='ema'), 'baseline'),
                                           (dict(std_floor=-1), 'std_floor')])
def test_bad_reward_options_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ada_segment_rewards([40, 42], 41, 1, 2, [True, True], **kwargs)


def test_ranks_by_hand():
    from mmada.controller.rewards import ranks
    v = np.array([0.3, 0.1, 0.2])
    np.testing.assert_array_equal(ranks(v, v), [2, 0, 1])
    # 0.25 has two members below it: 2 - 0.5
    np.testing.assert_array_equal(ranks(v, [0.25, 0.0, 0.5]),
                                  [1.5, -0.5, 2.5])
    # ties count half: [1, 1, 2] -> [0.5, 0.5, 2]; 1 among them -> 0.5
    v = np.array([1.0, 1.0, 2.0])
    np.testing.assert_array_equal(ranks(v, v), [0.5, 0.5, 2.0])
    np.testing.assert_array_equal(ranks(v, [1.0]), [0.5])


def test_rank_rewards_by_hand():
    # v = [40, 10, 30, 20] -> ranks [3, 0, 2, 1] (mean 1.5, std sqrt5 / 2),
    # v_best_prev = 5 below all -> -0.5. r_local = [1.5, -1.5, .5, -.5] /
    # (sqrt5 / 2) = [3, -3, 1, -1] / sqrt5; r_imp = [3.5, .5, 2.5, 1.5] /
    # (sqrt5 / 2) = [7, 1, 5, 3] / sqrt5; t/T = 1/2: r = [5, -1, 3, 1] / s5
    r = ada_segment_rewards([40, 10, 30, 20], 5, 1, 2, [True] * 4,
                            normalise='rank', **PAPER_REWARD)
    np.testing.assert_allclose(r, [5 / S5, -1 / S5, 3 / S5, 1 / S5],
                               atol=1e-12)
    # a monotone change of PQ (an outlier at 1000) changes nothing
    r2 = ada_segment_rewards([1000, 10, 30, 20], 5, 1, 2, [True] * 4,
                             normalise='rank', **PAPER_REWARD)
    np.testing.assert_allclose(r2, r, atol=1e-12)
    # default baseline: centred (mean 2 / sqrt5), invalid members stay -1
    r = ada_segment_rewards([40, 10, None, 30, 20], 5, 1, 2,
                            [True, True, False, True, True],
                            normalise='rank')
    np.testing.assert_allclose(r, [3 / S5, -3 / S5, -1, 1 / S5, -1 / S5],
                               atol=1e-12)
    # while Eqs. 3-4 on PQ are moved by the outlier
    r_std = ada_segment_rewards([1000, 10, 30, 20], 5, 1, 2, [True] * 4,
                                **PAPER_REWARD)
    assert not np.allclose(r_std, r2, atol=0.1)


def test_bad_normalise_raises():
    with pytest.raises(ValueError, match='normalise'):
        ada_segment_rewards([40, 42], 41, 1, 2, [True, True],
                            normalise='minmax')
