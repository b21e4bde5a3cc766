"""AM-LFS (Li et al., ICCV 2019, "AM-LFS: AutoML for Loss Function Search")
as an exploration strategy: the paper's Table 6 row "RL-guided, greedy".

``train_cfg = dict(type='ExploreLoop', strategy='am-lfs', ...)``. At every
checkpoint t the m members train one interval from the broadcast model with
loss weights drawn from a Gaussian over log lambda,

    log lam_hat_j = mu + sigma eps_j,   eps_j ~ N(0, I)   (j = 1..m)

(a learned mean mu, a fixed std sigma: ``train_cfg.sigma``, 0.2 as in
AM-LFS), their proxy-val PQs v_j are normalised within the checkpoint,
``r_j = (v_j - mean(v)) / std(v)``, and mu takes one REINFORCE step
maximising ``J = mean_j r_j log N(log lam_hat_j; mu, sigma^2 I)``; the best
member is broadcast (the loop does that for every strategy). No state
input: what separates it from Ada-Segment's controller is the state l^t
and Eqs. 3-5's rewards (the paper: "AM-LFS directly tunes specific
hyper-parameters with greedy strategy, which ignores the training
conditions").

Choices where AM-LFS and this setting differ (configs/baselines/README.md,
"Methods"):

- AM-LFS searches the parameters of a loss function (the segments of a
  softmax-loss transform) once per epoch of image classification; here the
  10 loss weights, once per interval of the exploration (T = 12 per
  schedule), in log space so that every sample is a valid weight.
- mu starts at 0 (lambda = 1, the Baseline), as every other strategy here.
- The update: Adam on mu, lr 0.05, betas (0.5, 0.999), no weight decay, as
  in a public implementation of AM-LFS (``lfs_core``'s ``LFSAgent``); with
  sigma 0.2. Both are ``strategy_cfg`` settings (``lr``, ``betas``).
- A failed member (non-finite loss or PQ) is left out of the normalisation
  and gets reward 0 (no gradient), since AM-LFS has no failed samples; with
  fewer than 2 valid members, or their PQs all equal, every reward is 0.
"""
import copy
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
import torch

from mmada.engine.runner.strategies import EXPLORE_STRATEGIES

#: AM-LFS's optimiser of mu (a public implementation's defaults)
AM_LFS_DEFAULTS = dict(lr=0.05, betas=(0.5, 0.999))


def normalised_rewards(v: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``(v - mean) / std`` over the valid members (std with ddof 0); 0 for
    the others, and for every member when fewer than 2 are valid or their
    std is 0."""
    v = np.asarray(v, dtype=np.float64)
    valid = np.asarray(valid, dtype=bool)
    rewards = np.zeros(len(v))
    if valid.sum() >= 2 and np.std(v[valid]) > 0:
        rewards[valid] = (v[valid] - v[valid].mean()) / np.std(v[valid])
    return rewards


@EXPLORE_STRATEGIES.register_module(name='am-lfs')
class AMLFSStrategy:
    """mu of a Gaussian over log lambda, learned by REINFORCE on
    normalised PQ (see the module docstring).

    Args:
        loss_names (list[str]): The weighted losses.
        population (int): m.
        sigma (float): The fixed std of log lambda.
        seed (int): Seed of the samples (a private generator per
            checkpoint: every process draws the same).
        lr (float): Adam's lr on mu. Defaults to 0.05.
        betas (Sequence[float]): Adam's betas. Defaults to (0.5, 0.999).
    """

    def __init__(self,
                 loss_names: Sequence[str],
                 population: int,
                 sigma: float,
                 seed: int,
                 lr: float = AM_LFS_DEFAULTS['lr'],
                 betas: Sequence[float] = AM_LFS_DEFAULTS['betas']) -> None:
        if not lr > 0:
            raise ValueError(f'train_cfg.strategy_cfg.lr must be > 0, got '
                             f'{lr}')
        self.population, self.sigma, self.seed = population, sigma, seed
        self.mean = torch.zeros(len(loss_names), dtype=torch.float64,
                                requires_grad=True)
        self.optimizer = torch.optim.Adam([self.mean], lr=lr,
                                          betas=tuple(betas))

    @classmethod
    def from_settings(cls, s: Dict[str, Any], loss_names: Sequence[str],
                      num_checkpoints: int, seed: int) -> 'AMLFSStrategy':
        """``train_cfg.sigma``; ``train_cfg.strategy_cfg``: ``lr``,
        ``betas``."""
        return cls(loss_names, s['population'], s['sigma'], seed,
                   **s['strategy_cfg'])

    def propose(self, t: int,
                state: Dict[str, Any]) -> Tuple[torch.Tensor, torch.Tensor]:
        """exp(mu) and m samples ``exp(mu + sigma eps)``."""
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + t)
        noise = torch.randn((self.population, len(self.mean)),
                            generator=gen, dtype=torch.float64)
        mean = self.mean.detach()
        return mean.exp(), (mean + self.sigma * noise).exp()

    def learn(self, t: int, state: Dict[str, Any], samples: torch.Tensor,
              v: np.ndarray, valid: np.ndarray,
              noise: Optional[float] = None) -> Tuple[np.ndarray, dict]:
        """Normalised rewards and one Adam step on mu (``noise`` unused)."""
        rewards = normalised_rewards(v, valid)
        log_samples = torch.as_tensor(samples, dtype=torch.float64).log()
        r = torch.as_tensor(rewards, dtype=torch.float64)
        # log N(x; mu, sigma^2) up to a constant in mu
        log_p = -0.5 * ((log_samples - self.mean) / self.sigma).pow(2).sum(-1)
        objective = (r * log_p).mean()
        self.optimizer.zero_grad()
        (-objective).backward()
        before = self.mean.detach().clone()
        self.optimizer.step()
        return rewards, dict(
            objective=float(objective.detach()),
            mean_move=float((self.mean.detach() - before).pow(2).mean()
                            .sqrt()),
            loss_weights_after=self.mean.detach().exp().tolist())

    def state_dict(self) -> Dict[str, Any]:
        return dict(mean=self.mean.detach().clone(),
                    optimizer=copy.deepcopy(self.optimizer.state_dict()))

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        with torch.no_grad():
            self.mean.copy_(state['mean'])
        self.optimizer.load_state_dict(state['optimizer'])

    def artifacts(self, state: Dict[str, Any]) -> Dict[str, Any]:
        """am_lfs.pth: mu and its optimiser (no policy to transfer)."""
        return {'am_lfs.pth': self.state_dict()}
