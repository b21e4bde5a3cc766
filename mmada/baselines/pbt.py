"""Baseline-P (the paper's Table 1): Ada-Segment's population without the
weight controller, as a strategy of the exploration loop
(``train_cfg.strategy='pbt'``)."""
from typing import Any, Dict, Sequence, Tuple

import numpy as np
import torch

from mmada.engine.runner.strategies import EXPLORE_STRATEGIES


@EXPLORE_STRATEGIES.register_module(name='pbt')
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

    @classmethod
    def from_settings(cls, s: Dict[str, Any], loss_names: Sequence[str],
                      num_checkpoints: int, seed: int) -> 'PBTStrategy':
        """``train_cfg.strategy_cfg``: ``factors``."""
        return cls(loss_names, s['population'], seed, **s['strategy_cfg'])

    def propose(self, t: int,
                state: Dict[str, Any]) -> Tuple[torch.Tensor, torch.Tensor]:
        best = state.get('best_loss_weights')
        best = torch.ones(self.num_losses, dtype=torch.float64) \
            if best is None else torch.as_tensor(best, dtype=torch.float64)
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + t)
        pick = torch.randint(len(self.factors),
                             (self.population, self.num_losses),
                             generator=gen)
        factors = torch.tensor(self.factors, dtype=torch.float64)[pick]
        factors[0] = 1.0
        return best, best * factors

    def learn(self, t, state, samples, v, valid, noise=None):
        return np.zeros(len(samples)), {}

    def state_dict(self) -> Dict[str, Any]:
        return {}

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        pass

    def artifacts(self, state: Dict[str, Any]) -> Dict[str, Any]:
        """No file: PBT keeps no state."""
        return {}
