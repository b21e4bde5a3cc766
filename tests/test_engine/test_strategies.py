"""The population's weight proposals: Ada-Segment's controller and PBT."""
import numpy as np
import pytest
import torch

from mmada.baselines import PBTStrategy
from mmada.engine.runner.strategies import AdaSegmentStrategy

NAMES = ['a', 'b', 'c']


def test_pbt_explores_around_the_best_weights():
    pbt = PBTStrategy(NAMES, population=4, seed=0)
    best, samples = pbt.propose(1, dict(best_loss_weights=None))
    assert best.tolist() == [1.0, 1.0, 1.0]  # t = 1: the Baseline's weights
    state = dict(best_loss_weights=[2.0, 0.5, 1.0])
    best, samples = pbt.propose(2, state)
    assert samples.shape == (4, 3)
    assert samples[0].tolist() == [2.0, 0.5, 1.0]  # member 0 keeps the best
    ratios = (samples[1:] / best).flatten().tolist()
    assert set(round(r, 12) for r in ratios) <= {0.8, 1.2}
    again = PBTStrategy(NAMES, population=4, seed=0).propose(2, state)[1]
    assert torch.equal(samples, again)  # a function of (seed, t)
    other = pbt.propose(3, state)[1]
    assert not torch.equal(samples, other)
    rewards, info = pbt.learn(2, state, samples, np.ones(4), np.ones(4, bool))
    assert rewards.tolist() == [0.0] * 4 and info == {}


def test_ada_segment_strategy_learns_and_snapshots():
    s = AdaSegmentStrategy(NAMES, population=2, num_checkpoints=2, sigma=0.2,
                           seed=0, reward='local+imp',
                           controller=dict(init_std=0.0))
    state = dict(l_best=[1.0, 1.0, 1.0], l_ref=[1.0, 1.0, 1.0], v_best=10.0)
    lam, samples = s.propose(1, state)
    assert lam.tolist() == [1.0, 1.0, 1.0]  # x = 1 and std 0: the Baseline
    rewards, info = s.learn(1, state, samples, np.array([12.0, 14.0]),
                            np.array([True, True]))
    # v = [12, 14], std 1, v_best 10: t/T (r_local + r_imp) = 0.5 * ([-1, 1]
    # + [2, 4]) = [0.5, 2.5], centred by default: [-1, 1]
    assert rewards.tolist() == pytest.approx([-1.0, 1.0])
    assert len(s.controller.policies) == 1 and 'grad_norm' in info
    # the paper's reward: not centred, no floor
    paper = AdaSegmentStrategy(NAMES, population=2, num_checkpoints=2,
                               sigma=0.2, seed=0, reward='local+imp',
                               controller=dict(init_std=0.0),
                               reward_cfg=dict(baseline='none',
                                               std_floor=0.0))
    rewards, _ = paper.learn(1, state, samples, np.array([12.0, 14.0]),
                             np.array([True, True]))
    assert rewards.tolist() == pytest.approx([0.5, 2.5])


def _strategy_of(config):
    from mmengine.config import Config

    from mmada.engine.runner.settings import check_explore_settings
    cfg = Config.fromfile(config)
    assert cfg.train_cfg.type == 'ExploreLoop'
    s = check_explore_settings(cfg.train_cfg)
    strategy = AdaSegmentStrategy(NAMES, s['population'], s['checkpoints'],
                                  s['sigma'], 0, s['reward'], s['controller'],
                                  s['reward_cfg'])
    return cfg, s, strategy


def test_paper_sized_cpu_exploration_config():
    """m = 8, T = 12 over the Baseline's 6 epochs: the pseudo epoch + 12
    intervals of 46 iterations fit the 600 (100 per epoch at batch 4)."""
    cfg, s, strategy = _strategy_of(
        'configs/ada_segment/'
        'ada-segment-explore_tiny_m8-1xb4-cos-6e_synthetic-panoptic.py')
    assert (s['population'], s['checkpoints'], s['interval']) == (8, 12, 46)
    assert cfg.train_cfg.max_epochs == 6
    assert (1 + 12) * 46 <= 6 * 400 // cfg.train_dataloader.batch_size
    # the library's defaults: residual output, param_scale 0.1, lr 5e-2
    hparams = strategy.controller.hparams
    assert (hparams['output'], hparams['param_scale'],
            hparams['lr']) == ('residual', 0.1, 0.05)
    assert strategy.reward_cfg == {}


def test_paper_literal_config_is_the_literal_reading():
    from mmada.controller.controller import PAPER_CONTROLLER
    from mmada.controller.rewards import PAPER_REWARD
    _, _, strategy = _strategy_of(
        'configs/ada_segment/'
        'ada-segment-explore_paper-literal_tiny_m4-1xb4-cos-2e_'
        'synthetic-panoptic.py')
    hparams = strategy.controller.hparams
    assert {k: hparams[k] for k in PAPER_CONTROLLER} == {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in PAPER_CONTROLLER.items()
    }
    assert strategy.reward_cfg == PAPER_REWARD


def test_noise_floor_keeps_ties_from_being_rewarded():
    """reward_cfg.noise_floor: v = [50.0, 50.2] (std 0.1) with a standard
    error of 0.5: r_local = (v - 50.1) / 0.5 = [-0.2, 0.2], r_imp = (v -
    50) / 0.5 = [0, 0.4]; t/T = 1, not centred: [-0.2, 0.6] (without the
    floor: [-1, 1] + [0, 2] = [-1, 3])."""
    kwargs = dict(population=2, num_checkpoints=1, sigma=0.2, seed=0,
                  reward='local+imp', controller=dict(init_std=0.0))
    cfg = dict(baseline='none', std_floor=0.0)
    state = dict(l_best=[1.0, 1.0, 1.0], l_ref=[1.0, 1.0, 1.0], v_best=50.0)
    v, valid = np.array([50.0, 50.2]), np.array([True, True])
    floored = AdaSegmentStrategy(NAMES, reward_cfg=dict(cfg, noise_floor=True),
                                 **kwargs)
    samples = floored.propose(1, state)[1]
    rewards, info = floored.learn(1, state, samples, v, valid, noise=0.5)
    assert rewards.tolist() == pytest.approx([-0.2, 0.6])
    assert info['reward_local_std'] == pytest.approx(0.2)
    plain = AdaSegmentStrategy(NAMES, reward_cfg=cfg, **kwargs)
    rewards, _ = plain.learn(1, state, samples, v, valid, noise=0.5)
    assert rewards.tolist() == pytest.approx([-1.0, 3.0])  # noise unused
    with pytest.raises(ValueError, match='val_evaluator.bootstrap'):
        floored.learn(1, state, samples, v, valid)


def test_the_loop_passes_the_members_mean_standard_error():
    from types import SimpleNamespace

    from mmada.engine.runner import ExploreLoop
    loop = SimpleNamespace(settings=dict(metric='coco_panoptic/PQ'))
    ok = [dict(ok=True, metrics={'coco_panoptic/PQ_se': 0.4}),
          dict(ok=True, metrics={'coco_panoptic/PQ_se': 0.6}),
          dict(ok=False, metrics={})]
    assert ExploreLoop.noise(loop, ok) == pytest.approx(0.5)
    assert ExploreLoop.noise(loop, [dict(ok=True, metrics={})]) is None
