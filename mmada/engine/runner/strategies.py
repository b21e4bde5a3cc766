"""How the population's loss weights are chosen at each checkpoint.

Strategies are registered in ``EXPLORE_STRATEGIES`` under the name
``train_cfg.strategy`` gives: ``'ada-segment'`` (``AdaSegmentStrategy``, the
paper's weight controller, Eqs. 1-6) here; the baselines in
``mmada/baselines/``: ``'pbt'`` (Baseline-P: exploit and explore, no
controller) and ``'am-lfs'`` (the paper's Table 6 AM-LFS: a learned Gaussian
over log lambda, no state). A strategy is pure logic (the runner trains and
evaluates; ``explore_state.py`` writes its files) with
``from_settings(settings, loss_names, num_checkpoints, seed)``, ``propose``,
``learn``, ``state_dict``, ``load_state_dict`` and ``artifacts(state)``
(``{file name: object}`` from the strategy and the loop's ``state``, what is
saved next to the resume state); a new one registers with
``@EXPLORE_STRATEGIES.register_module(name=...)`` and is chosen by config.
The settings the strategies read are ``settings.EXPLORE_KEYS``.
"""
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.registry import Registry

from mmada.controller import WeightController, ada_segment_rewards
from mmada.controller.rewards import DEFAULT_STD_FLOOR, reward_terms

#: name (``train_cfg.strategy``) -> strategy class
EXPLORE_STRATEGIES = Registry(
    'explore strategy',
    locations=['mmada.engine.runner.strategies', 'mmada.baselines'])


def loss_problem(names: List[str], losses: np.ndarray) -> Optional[str]:
    """Why a mean loss vector cannot be the controller's state (None if it
    can)."""
    bad = [f'{n}={v:.4g}' for n, v in zip(names, losses)
           if not np.isfinite(v) or v < 0]
    if bad:
        return ('losses must be finite and >= 0 (Eq. 1 divides by them), '
                f'got {", ".join(bad)}')
    return None


def strategy_names() -> tuple:
    """The registered strategy names (the baselines' imported first)."""
    EXPLORE_STRATEGIES.import_from_location()
    return tuple(EXPLORE_STRATEGIES.module_dict)


def build_strategy(settings: Dict[str, Any], loss_names: Sequence[str],
                   num_checkpoints: int, seed: int):
    """The strategy ``settings['strategy']`` names, for these losses."""
    strategy_names()
    cls = EXPLORE_STRATEGIES.get(settings['strategy'])
    return cls.from_settings(settings, loss_names, num_checkpoints, seed)


@EXPLORE_STRATEGIES.register_module(name='ada-segment')
class AdaSegmentStrategy:
    """The weight controller proposes (Eqs. 1-2) and learns from PQ
    (Eqs. 3-6); pi^t is snapshotted after each update.

    Args:
        loss_names (list[str]): The weighted losses.
        population (int): m.
        num_checkpoints (int): T.
        sigma (float): Eq. 2's std.
        seed (int): The controller's init and sampling seed.
        reward (str): 'local+imp' (Eq. 5) or 'local' (r_local alone).
        controller (dict): More WeightController kwargs (hidden, lr, ...).
        reward_cfg (dict): ``baseline``, ``std_floor`` and ``normalise``
            of ada_segment_rewards, and ``noise_floor`` (bool): the std
            floor of Eqs. 3-4 is at least the evaluation's standard error
            (its ``noise``; needs ``val_evaluator.bootstrap``). Defaults to
            ada_segment_rewards' defaults and no noise floor.
    """

    def __init__(self,
                 loss_names: Sequence[str],
                 population: int,
                 num_checkpoints: int,
                 sigma: float,
                 seed: int,
                 reward: str,
                 controller: Dict[str, Any],
                 reward_cfg: Optional[Dict[str, Any]] = None) -> None:
        self.controller = WeightController(
            loss_names, sigma=sigma, seed=seed, **controller)
        self.population, self.num_checkpoints = population, num_checkpoints
        self.use_improvement = reward == 'local+imp'
        self.reward_cfg = dict(reward_cfg or {})
        self.noise_floor = bool(self.reward_cfg.pop('noise_floor', False))

    @classmethod
    def from_settings(cls, s: Dict[str, Any], loss_names: Sequence[str],
                      num_checkpoints: int, seed: int) -> 'AdaSegmentStrategy':
        return cls(loss_names, s['population'], num_checkpoints, s['sigma'],
                   seed, s['reward'], s['controller'], s['reward_cfg'])

    def propose(self, t: int,
                state: Dict[str, Any]) -> Tuple[torch.Tensor, torch.Tensor]:
        """lambda^{t+1} = pi(l_best^t) (Eq. 1) and m samples (Eq. 2)."""
        lam = self.controller.loss_weights(state['l_best'], state['l_ref'])
        return lam, self.controller.sample(lam, self.population, t)

    def learn(self, t: int, state: Dict[str, Any], samples: torch.Tensor,
              v: np.ndarray, valid: np.ndarray,
              noise: Optional[float] = None,
              long: Optional[Dict[str, Any]] = None
              ) -> Tuple[np.ndarray, dict]:
        """Rewards (Eqs. 3-5), one REINFORCE step (Eq. 6), pi^t saved;
        ``info`` holds the step's learning diagnostics and the reward split
        (mean and std over the valid members of r_local, r_imp, total).
        ``noise``: the standard error of v (used with ``noise_floor``).

        ``long``: the long-horizon group (``LongHorizon.group``):
        ``members``, ``evaluated`` (its window ends at t), ``l_best`` and
        ``v_best`` of its window's start. The other members are rewarded
        among themselves as usual; the long ones, once evaluated, among
        themselves against their window's v_best, with their log-densities
        at their window's l_best, in the same step. While pending they are
        left out of the step and their reward is NaN."""
        floor = 0.0
        if self.noise_floor:
            if noise is None or not np.isfinite(noise):
                raise ValueError(
                    'train_cfg.reward_cfg.noise_floor needs the standard '
                    'error of the metric (<metric>_se): set '
                    'val_evaluator.bootstrap, e.g. 200')
            floor = float(noise)
        short = np.ones(len(v), dtype=bool)
        if long is not None:
            short[long['members']] = False
        groups = [(short, state['l_best'], state['v_best'])]
        if long is not None and long['evaluated']:
            groups.append((~short, long['l_best'], long['v_best']))
        rewards = np.full(len(v), np.nan)
        for members, _, v_best in groups:
            rewards[members] = ada_segment_rewards(
                np.where(valid, v, 0.0)[members], v_best, t,
                self.num_checkpoints, valid[members], self.use_improvement,
                noise=floor, **self.reward_cfg)
        if long is None:  # every sample from l_best^{t-1}: the paper
            info = self.controller.update(state['l_best'], state['l_ref'],
                                          samples, rewards, valid)
        else:
            used = np.isfinite(rewards)
            rows = np.zeros((len(v), len(state['l_best'])))
            for members, l_best, _ in groups:
                rows[members] = np.asarray(l_best, dtype=np.float64)
            info = self.controller.update(
                state['l_best'], state['l_ref'], samples[torch.as_tensor(used)],
                rewards[used], valid[used], sample_losses=rows[used])
        if self.noise_floor:
            info['noise_floor'] = floor
        self.controller.snapshot()
        reward_cfg = (self.reward_cfg.get('std_floor', DEFAULT_STD_FLOOR),
                      self.reward_cfg.get('normalise', 'std'), floor)
        for prefix, (members, _, v_best) in zip(('', 'long_'), groups):
            ok = valid & members
            if not ok.any():
                continue
            r_local, r_imp = reward_terms(v[ok], v_best, *reward_cfg)
            for name, values in (('local', r_local), ('imp', r_imp),
                                 ('total', rewards[ok])):
                info[f'{prefix}reward_{name}_mean'] = float(np.mean(values))
                info[f'{prefix}reward_{name}_std'] = float(np.std(values))
        return rewards, info

    def state_dict(self) -> Dict[str, Any]:
        return self.controller.state_dict()

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        self.controller.load_state_dict(state)

    def artifacts(self, state: Dict[str, Any]) -> Dict[str, Any]:
        """controller.pth: every pi^t, what a transfer run loads, and the
        loop's lambda_best^t (``best_loss_weights``, for mode 'final')."""
        ctrl = self.controller.state_dict()
        if state.get('best_loss_weights') is not None:
            ctrl['best_loss_weights'] = torch.tensor(
                state['best_loss_weights'], dtype=torch.float64)
        return {'controller.pth': ctrl}
