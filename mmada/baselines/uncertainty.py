"""Homoscedastic uncertainty weighting (Kendall, Gal & Cipolla, CVPR 2018).

"Multi-task learning using uncertainty to weigh losses for scene geometry and
semantics": every weighted loss L_i gets a learned log-variance
s_i = log sigma_i^2 and the objective is

    L = sum_i 1/2 exp(-s_i) L_i + 1/2 s_i,

i.e. loss weights lambda_i = 1/2 exp(-s_i), learned jointly with the network
(at the optimum s_i = log L_i, lambda_i = 1 / (2 L_i)).
"""
import math
from typing import Dict, Optional, Sequence

import mmengine.optim  # noqa: F401  (registers torch's optimizers)
import torch
from mmengine.dist import all_reduce
from mmengine.registry import OPTIMIZERS
from mmdet.registry import MODELS
from torch import Tensor

from mmada.models.loss_weighting import (LossValue, LossWeighting,
                                         reduce_loss)


@MODELS.register_module()
class UncertaintyWeighting(LossWeighting):
    """Loss weights lambda_i = 1/2 exp(-s_i) with learned log-variances s.

    Choices:

    * One form for every loss, Kendall's regression form
      1/2 exp(-s) L + 1/2 s, as LibMTL does (Kendall's classification form
      exp(-s) L + 1/2 s only doubles lambda: the same family of weights).
    * s is not a model parameter: each training iteration takes one step of
      its own optimizer on the exact gradient
      dL/ds_i = -1/2 exp(-s_i) L_i + 1/2 (what autograd would give), with
      the losses of that iteration, while the network's step of the same
      iteration uses s(t): a joint gradient step on (network, s). A parameter
      added by a hook would miss mmengine's optimizer (built before
      ``before_run``) and DDP (wrapped at runner construction), and would
      land in the model's state dict, so ``tools/test.py`` without the hook
      would meet an unexpected key. Here s, its optimizer state and the
      weights are resumed by :class:`LossWeightHook` via
      :meth:`state_dict`, and under DDP the losses are averaged over the
      ranks before the step, which is exactly DDP's averaged gradient of s.
    * The network's optimizer has a warm-up, a cosine decay and weight
      decay, none meant for s: s gets Adam, lr 0.025 by default
      (scale-free steps; plain SGD on s is unstable for large losses since
      the gradient grows as exp(-s) L).
    * The regulariser 1/2 sum_i s_i(t) is added to the loss dict as the
      constant entry ``loss_uncertainty_reg`` (no gradient for the network),
      so the logged total ``loss`` is the objective above.

    Args:
        losses (Sequence[str]): Loss names or patterns (see
            :class:`LossWeighting`).
        init (float): Initial s_i (lambda_i = 1/2 exp(-init)). Defaults to 0.
        optimizer (dict): The optimizer of s, an mmengine ``OPTIMIZERS``
            config without ``params``. Defaults to
            ``dict(type='Adam', lr=0.025)``.
    """

    reg_name = 'loss_uncertainty_reg'

    def __init__(self,
                 losses: Sequence[str],
                 init: float = 0.0,
                 optimizer: Optional[dict] = None) -> None:
        super().__init__(losses)
        self.init = float(init)
        self.optimizer_cfg = dict(optimizer or dict(type='Adam', lr=0.025))
        if 'params' in self.optimizer_cfg:
            raise KeyError('UncertaintyWeighting.optimizer: no `params`, the '
                           'optimizer trains the log-variances')
        self.log_vars: Optional[Tensor] = None  # s, (n,) float64
        self.optimizer: Optional[torch.optim.Optimizer] = None

    # -- the weights ----------------------------------------------------------
    def _init_log_vars(self, n: int) -> None:
        """Make s (from ``loss_weights`` if set, else ``init``) and its
        optimizer."""
        if self.loss_weights is not None:
            self.log_vars = _log_vars(self.loss_weights)
        else:
            self.log_vars = torch.full((n, ), self.init, dtype=torch.float64)
        self.optimizer = OPTIMIZERS.build(
            dict(self.optimizer_cfg, params=[self.log_vars]))
        self._sync_weights()

    def _sync_weights(self) -> None:
        self.loss_weights = (0.5 * torch.exp(-self.log_vars)).tolist()

    def set_loss_weights(self,
                         loss_weights: Optional[Sequence[float]]) -> None:
        """Set lambda, i.e. s = -log(2 lambda) (None: lambda = 1/2 exp(-init)).
        """
        if loss_weights is None and self.log_vars is not None:
            loss_weights = [0.5 * math.exp(-self.init)] * len(self.log_vars)
        super().set_loss_weights(loss_weights)
        if self.log_vars is not None:
            self.log_vars.copy_(_log_vars(self.loss_weights))

    # -- per iteration --------------------------------------------------------
    def __call__(self, losses: Dict[str, LossValue]) -> Dict[str, LossValue]:
        """Weight the losses with s(t), add the regulariser; in training also
        step s to s(t+1)."""
        if self.names is None or any(n not in losses for n in self.names):
            self.resolve(list(losses))
        if self.log_vars is None:
            self._init_log_vars(len(self.names))
        log_vars = self.log_vars.clone()  # s(t)
        weighted = dict(super().__call__(losses))
        ref = reduce_loss(losses[self.names[0]])
        weighted[self.reg_name] = (0.5 * log_vars.sum()).to(ref)
        if torch.is_grad_enabled() and any(
                reduce_loss(losses[n]).requires_grad for n in self.names):
            values = self.values.clone()
            all_reduce(values, op='mean')  # the same s on every rank
            self.step(values.cpu().double())
        return weighted

    def step(self, values: Tensor) -> None:
        """One optimizer step of s on dL/ds_i = -1/2 exp(-s_i) L_i + 1/2."""
        s = self.log_vars
        s.grad = 0.5 - 0.5 * torch.exp(-s) * values
        self.optimizer.step()
        s.grad = None
        self._sync_weights()

    # -- resume ---------------------------------------------------------------
    def state_dict(self) -> dict:
        """s and the optimizer state (None before the first iteration)."""
        return dict(
            names=self.names,
            log_vars=None if self.log_vars is None else self.log_vars.clone(),
            optimizer=None
            if self.optimizer is None else self.optimizer.state_dict())

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
        if self.names is None and state.get('names') is not None:
            self.names = list(state['names'])
        if state.get('log_vars') is None:
            return
        log_vars = state['log_vars'].to(torch.float64)
        if self.names is not None and len(log_vars) != len(self.names):
            raise ValueError(f'uncertainty state of {len(log_vars)} '
                             f'log-variances for {len(self.names)} losses '
                             f'{self.names}')
        self.loss_weights = None
        self._init_log_vars(len(log_vars))
        self.log_vars.copy_(log_vars)
        if state.get('optimizer') is not None:
            self.optimizer.load_state_dict(state['optimizer'])
        self._sync_weights()


def _log_vars(weights: Sequence[float]) -> Tensor:
    """s = -log(2 lambda)."""
    weights = torch.tensor(weights, dtype=torch.float64)
    if (weights <= 0).any():
        raise ValueError(f'uncertainty loss weights must be > 0, got '
                         f'{weights.tolist()}')
    return -torch.log(2 * weights)
