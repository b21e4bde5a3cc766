"""AM-LFS as an exploration strategy: its normalisation and one REINFORCE
step of the mean, by hand; its configs; an e2e smoke run."""
import json
import math
import os

import numpy as np
import pytest
import torch
from e2e import EXPLORE_SMALL, tool
from mmengine.config import Config

from mmada.baselines.am_lfs import AMLFSStrategy, normalised_rewards
from mmada.engine.runner.settings import check_explore_settings
from mmada.engine.runner.strategies import build_strategy


def test_normalised_rewards_by_hand():
    # mean 32, std sqrt(8/3) = 1.632993: +-2 / 1.632993 = +-1.224745
    assert normalised_rewards([30.0, 32.0, 34.0], [True] * 3) == \
        pytest.approx([-1.224745, 0.0, 1.224745], abs=1e-6)
    # a failed member: left out (reward 0); the others mean 32, std 2
    assert normalised_rewards([30.0, math.nan, 34.0],
                              [True, False, True]).tolist() == [-1.0, 0.0, 1.0]
    assert normalised_rewards([30.0, 31.0], [True, False]).tolist() == [0, 0]
    assert normalised_rewards([5.0, 5.0], [True, True]).tolist() == [0, 0]


def test_one_reinforce_step_of_the_mean_by_hand():
    """mu = 0, sigma 0.2, log lam_hat = (0.2, -0.1) and (-0.2, 0.1), PQ 40
    and 30: r = (1, -1); dJ/dmu = mean_j r_j (x_j - mu) / sigma^2 = 0.5 *
    ((0.2, -0.1) + (0.2, -0.1)) / 0.04 = (5, -2.5). Adam's first step is lr
    * g / |g| (bias-corrected): mu = (0.05, -0.05), lambda = (1.051271,
    0.951229)."""
    amlfs = AMLFSStrategy(['a', 'b'], population=2, sigma=0.2, seed=0)
    samples = torch.tensor([[0.2, -0.1], [-0.2, 0.1]],
                           dtype=torch.float64).exp()
    rewards, info = amlfs.learn(1, {}, samples, np.array([40.0, 30.0]),
                                np.array([True, True]))
    assert rewards.tolist() == [1.0, -1.0]
    assert amlfs.mean.detach().tolist() == pytest.approx([0.05, -0.05],
                                                         abs=1e-9)
    assert info['loss_weights_after'] == pytest.approx([1.051271, 0.951229],
                                                       abs=1e-6)
    assert info['mean_move'] == pytest.approx(0.05, abs=1e-9)
    # the proposal is exp(mu) and samples around it, the same for the same t
    lam, drawn = amlfs.propose(3, {})
    assert lam.tolist() == pytest.approx([1.051271, 0.951229], abs=1e-6)
    assert drawn.shape == (2, 2) and torch.equal(drawn, amlfs.propose(3, {})[1])
    # resumable: a copy from the state continues identically
    copy = AMLFSStrategy(['a', 'b'], population=2, sigma=0.2, seed=0)
    copy.load_state_dict(amlfs.state_dict())
    for s in (amlfs, copy):
        s.learn(2, {}, samples, np.array([30.0, 40.0]), np.array([True] * 2))
    assert torch.equal(copy.mean, amlfs.mean)


def test_settings_and_strategy_cfg():
    s = check_explore_settings(dict(strategy='am-lfs', strategy_cfg=dict(
        lr=0.1, betas=(0.9, 0.999))))
    amlfs = build_strategy(s, ['a', 'b'], 12, 0)
    assert isinstance(amlfs, AMLFSStrategy)
    assert amlfs.optimizer.defaults['lr'] == 0.1 and amlfs.sigma == 0.2
    with pytest.raises(ValueError, match=r"train_cfg.strategy must be one "
                       r"of \(.*'am-lfs'.*\), got 'amlfs'"):
        check_explore_settings(dict(strategy='amlfs'))
    with pytest.raises(ValueError, match="strategy_cfg is for 'pbt' and "
                       "'am-lfs'"):
        check_explore_settings(dict(strategy_cfg=dict(lr=0.1)))


@pytest.mark.parametrize('explore, amlfs', [
    ('ada-segment-explore_tiny_m8-1xb4-cos-6e_synthetic-panoptic.py',
     'am-lfs_tiny_m8-1xb4-cos-6e_synthetic-panoptic.py'),
    ('ada-segment-explore_tiny_m8-1xb4-cos-6e_synthetic-panoptic-scenes.py',
     'am-lfs_tiny_m8-1xb4-cos-6e_synthetic-panoptic-scenes.py'),
    ('ada-segment-explore_r50_fpn_m8-8xb2-cos-1x_coco-panoptic-proxy.py',
     'am-lfs_r50_fpn_m8-8xb2-cos-1x_coco-panoptic-proxy.py'),
])
def test_am_lfs_configs_are_the_explorations_with_its_strategy(explore,
                                                               amlfs):
    """Same population, checkpoints, schedule and data as Ada-Segment's
    exploration: the strategy is the only difference."""
    mine = Config.fromfile(f'configs/baselines/{amlfs}').to_dict()
    theirs = Config.fromfile(f'configs/ada_segment/{explore}').to_dict()
    assert mine['train_cfg'].pop('strategy') == 'am-lfs'
    assert mine == theirs


@pytest.mark.e2e
def test_am_lfs_explores(tmp_path):
    config = 'configs/baselines/am-lfs_tiny_m8-1xb4-cos-6e_synthetic-panoptic.py'
    out = tool('explore.py', config, '--work-dir', str(tmp_path),
               '--cfg-options', *EXPLORE_SMALL).stdout
    assert 'best member' in out
    with open(tmp_path / 'explore_log.jsonl') as f:
        log = [json.loads(line) for line in f]
    # the mean starts at lambda = 1 (on this slice the 2 members may tie:
    # rewards 0 and no move); rewards are normalised
    assert log[1]['loss_weights'] == [1.0] * 10
    rewards = [m['reward'] for m in log[1]['members']]
    assert sum(rewards) == pytest.approx(0.0, abs=1e-9)
    assert os.path.isfile(tmp_path / 'best_model.pth')
    assert os.path.isfile(tmp_path / 'am_lfs.pth')
    assert not os.path.isfile(tmp_path / 'controller.pth')
