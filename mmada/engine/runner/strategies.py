"""How the population's loss weights are chosen at each checkpoint.

``AdaSegmentStrategy`` is the paper's (the weight controller, Eqs. 1-6);
``PBTStrategy`` is its Baseline-P (the same population, exploit and explore,
no controller). Both are pure logic: the runner trains and evaluates.
"""
import os.path as osp
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
import torch

from mmada.controller import WeightController, ada_segment_rewards
from mmada.controller.rewards import DEFAULT_STD_FLOOR, reward_terms
from mmada.utils import atomic_torch_save


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
        reward_cfg (dict): ``baseline`` and ``std_floor`` of
            ada_segment_rewards. Defaults to its defaults.
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

    def propose(self, t: int,
                state: Dict[str, Any]) -> Tuple[torch.Tensor, torch.Tensor]:
        """lambda^{t+1} = pi(l_best^t) (Eq. 1) and m samples (Eq. 2)."""
        lam = self.controller.weights(state['l_best'], state['l_ref'])
        return lam, self.controller.sample(lam, self.population, t)

    def learn(self, t: int, state: Dict[str, Any], samples: torch.Tensor,
              v: np.ndarray, valid: np.ndarray) -> Tuple[np.ndarray, dict]:
        """Rewards (Eqs. 3-5), one REINFORCE step (Eq. 6), pi^t saved;
        ``info`` holds the step's learning diagnostics and the reward split
        (mean and std over the valid members of r_local, r_imp, total)."""
        rewards = ada_segment_rewards(
            np.where(valid, v, 0.0), state['v_best'], t,
            self.num_checkpoints, valid, self.use_improvement,
            **self.reward_cfg)
        info = self.controller.update(state['l_best'], state['l_ref'],
                                      samples, rewards, valid)
        self.controller.snapshot()
        if valid.any():
            floor = self.reward_cfg.get('std_floor', DEFAULT_STD_FLOOR)
            r_local, r_imp = reward_terms(v[valid], state['v_best'], floor)
            for name, values in (('local', r_local), ('imp', r_imp),
                                 ('total', rewards[valid])):
                info[f'reward_{name}_mean'] = float(np.mean(values))
                info[f'reward_{name}_std'] = float(np.std(values))
        return rewards, info

    def record_best(self, weights: torch.Tensor) -> None:
        self.controller.record_best_weights(weights)

    def state_dict(self) -> Dict[str, Any]:
        return self.controller.state_dict()

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        self.controller.load_state_dict(state)

    def save(self, work_dir: str) -> None:
        """controller.pth: every pi^t, what a transfer run loads."""
        atomic_torch_save(self.controller.state_dict(),
                          osp.join(work_dir, 'controller.pth'))


class PBTStrategy:
    """Baseline-P, "our method without the weight controller": PBT's
    exploit (every member continues from the best model, as in Ada-Segment)
    and explore (member 0 keeps the best member's weights, the others
    multiply each of them by 0.8 or 1.2, as Jaderberg et al. perturb
    hyper-parameters). At t = 1 the best weights are the Baseline's (all 1).

    Args:
        loss_names (list[str]): The weighted losses.
        population (int): m.
        seed (int): Seed of the perturbations (drawn per checkpoint).
        factors (tuple[float]): The perturbation factors.
            Defaults to (0.8, 1.2).
    """

    def __init__(self, loss_names: Sequence[str], population: int, seed: int,
                 factors: Tuple[float, ...] = (0.8, 1.2)) -> None:
        self.num_losses = len(loss_names)
        self.population, self.seed, self.factors = population, seed, factors

    def propose(self, t: int,
                state: Dict[str, Any]) -> Tuple[torch.Tensor, torch.Tensor]:
        best = state.get('lam_best')
        best = torch.ones(self.num_losses, dtype=torch.float64) \
            if best is None else torch.as_tensor(best, dtype=torch.float64)
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + t)
        pick = torch.randint(len(self.factors),
                             (self.population, self.num_losses),
                             generator=gen)
        factors = torch.tensor(self.factors, dtype=torch.float64)[pick]
        factors[0] = 1.0
        return best, best * factors

    def learn(self, t, state, samples, v, valid):
        return np.zeros(len(samples)), {}

    def record_best(self, weights: torch.Tensor) -> None:
        pass

    def state_dict(self) -> Dict[str, Any]:
        return {}

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        pass

    def save(self, work_dir: str) -> None:
        pass
