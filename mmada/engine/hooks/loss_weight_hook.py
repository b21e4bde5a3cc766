"""Thin glue between a runner and the loss weights of its model."""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.distributed as torch_dist
from mmengine.dist import is_distributed
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmdet.registry import HOOKS, MODELS

from mmada.models.loss_weighting import (HeadGradScaling, LossWeighting,
                                         add_loss_weighting)

Weights = Union[Sequence[float], Dict[str, float], None]


@HOOKS.register_module()
class LossWeightHook(Hook):
    """Apply loss weights lambda and collect the unweighted losses.

    Before training, the model's ``parse_losses`` learns to weight the named
    losses (see :mod:`mmada.models.loss_weighting`) and, with
    ``head_lr_scaling``, each head's gradient is scaled by 1/lambda. After
    every iteration the unweighted losses are summed; :meth:`interval_losses`
    returns their mean since the last call (the controller's l^t: the mean
    over the interval, all-reduced over the process group).

    The losses and heads default to the config's ``loss_weighting`` dict (one
    per model base config), so ``dict(type='LossWeightHook')`` is enough.

    Args:
        losses (list[str], optional): Loss names or patterns.
        heads (dict, optional): Loss name -> module prefixes of its head.
        head_lr_scaling (bool): Scale head gradients by 1/lambda.
            Defaults to True.
        min_lambda (float): Clamp of lambda before inverting. Defaults to 0.1.
        weights (list | dict, optional): Static lambda (a list in loss order
            or a dict name -> weight; absent names are 1). Defaults to all 1.
        weighting (dict, optional): A weighting rule that sets lambda itself
            during training, built from mmdet's MODELS registry with the
            resolved ``losses`` (e.g. ``dict(type='GradNormWeighting')``).
            Defaults to :class:`LossWeighting` (weights set from outside).
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self,
                 losses: Optional[Sequence[str]] = None,
                 heads: Optional[Dict[str, Sequence[str]]] = None,
                 head_lr_scaling: bool = True,
                 min_lambda: float = 0.1,
                 weights: Weights = None,
                 weighting: Optional[dict] = None) -> None:
        self.weighting_cfg = weighting
        self.losses = losses
        self.heads = heads
        self.head_lr_scaling = head_lr_scaling
        self.min_lambda = min_lambda
        self.static_weights = weights
        self.weighting: Optional[LossWeighting] = None
        self.head_scaling: Optional[HeadGradScaling] = None
        # the processes that train this model together: the interval losses
        # are all-reduced over ``group`` (None: the world) when
        # ``data_parallel`` (an exploration's single-process members: False)
        self.group = None
        self.data_parallel = True
        self._sum: Optional[torch.Tensor] = None
        self._count = 0
        self.optimizer = None

    # -- set-up ------------------------------------------------------------
    def before_run(self, runner) -> None:
        cfg = runner.cfg.get('loss_weighting', None) or {}
        unknown = set(cfg) - {'losses', 'heads', 'head_lr_scaling',
                              'min_lambda'}
        if unknown:
            raise KeyError(f'loss_weighting: unknown keys {sorted(unknown)}; '
                           'expected losses, heads, head_lr_scaling, '
                           'min_lambda')
        losses = self.losses or cfg.get('losses')
        if not losses:
            raise KeyError('LossWeightHook: no losses to weight: set the '
                           "config's loss_weighting.losses or the hook's "
                           '`losses`')
        if self.heads is None:
            self.heads = cfg.get('heads')
        self.head_lr_scaling = cfg.get('head_lr_scaling',
                                       self.head_lr_scaling)
        self.min_lambda = cfg.get('min_lambda', self.min_lambda)
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        self.model = model
        if self.weighting_cfg is None:
            weighting = LossWeighting(losses)
        else:
            weighting = MODELS.build(dict(self.weighting_cfg, losses=losses))
        self.weighting = add_loss_weighting(model, weighting)
        if self.weighting.names is not None:
            self._setup_heads()
        if self.static_weights is not None:
            self.set_weights(self._as_list(self.static_weights))

    def adopt_names(self, names: Sequence[str]) -> None:
        """Take the loss names an earlier run resolved from the patterns (a
        resumed run has not seen a loss dict yet); no-op if names are set."""
        if self.weighting.names is None:
            self.weighting.names = list(names)
            self._setup_heads()

    def before_train(self, runner) -> None:
        # the optimizer exists now: head factors keep its momentum in step
        self.optimizer = getattr(getattr(runner, 'optim_wrapper', None),
                                 'optimizer', None)
        if self.head_scaling is not None:
            self.head_scaling.attach_optimizer(self.optimizer)

    def _setup_heads(self) -> None:
        if self.head_lr_scaling and self.heads and self.head_scaling is None:
            self.head_scaling = HeadGradScaling(self.model, self.heads,
                                                self.weighting.names,
                                                self.min_lambda)
            self.head_scaling.set_weights(self.weighting.weights)
            self.head_scaling.attach_optimizer(self.optimizer)

    def _as_list(self, weights: Weights) -> Optional[List[float]]:
        if weights is None or not isinstance(weights, dict):
            return weights
        names = self.names
        unknown = sorted(set(weights) - set(names))
        if unknown:
            raise KeyError(f'loss weights for {unknown}, which are not '
                           f'weighted losses {names}')
        return [float(weights.get(n, 1.0)) for n in names]

    # -- the API of runners and subclasses -----------------------------------
    @property
    def names(self) -> List[str]:
        """The weighted losses, in the order of every weight vector."""
        if self.weighting is None or self.weighting.names is None:
            raise RuntimeError('the loss names are known after before_run '
                               '(patterns: after the first iteration)')
        return self.weighting.names

    @property
    def weights(self) -> List[float]:
        """The current lambda (all 1 when unset)."""
        w = self.weighting.weights
        return list(w) if w is not None else [1.0] * len(self.names)

    def set_weights(self, weights: Optional[Sequence[float]]) -> None:
        """Set lambda for the following iterations (None: all 1)."""
        if weights is not None:
            weights = [float(w) for w in weights]
        self.weighting.set_weights(weights)
        if self.head_scaling is not None:
            self.head_scaling.set_weights(weights)

    def interval_losses(self, reset: bool = True) -> np.ndarray:
        """Mean unweighted losses since the last reset, all-reduced over
        ``self.group`` (the whole world by default) if ``data_parallel``.

        Raises:
            RuntimeError: No iteration was run since the last reset.
        """
        total = torch.zeros(len(self.names) + 1, dtype=torch.float64)
        if self._sum is not None:
            total[:-1] = self._sum.cpu()
        total[-1] = self._count
        if self.data_parallel and is_distributed():
            total = _all_reduce_sum(total, self.group)
        if total[-1] == 0:
            raise RuntimeError('no training iteration since the last '
                               'interval: no loss to report')
        if reset:
            self.reset_losses()
        return (total[:-1] / total[-1]).numpy()

    def reset_losses(self) -> None:
        self._sum, self._count = None, 0

    # -- per iteration ---------------------------------------------------------
    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        values = self.weighting.values
        if values is None:
            return
        if self.head_scaling is None:
            self._setup_heads()  # names were patterns until the 1st forward
        values = values.to(torch.float64)
        self._sum = values if self._sum is None else self._sum + values
        self._count += 1

    # -- resume ------------------------------------------------------------------
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(
            names=self.weighting.names,
            weights=self.weighting.weights,
            sum=None if self._sum is None else self._sum.cpu(),
            count=self._count)
        if hasattr(self.weighting, 'state_dict'):  # a learned weighting
            state['weighting'] = self.weighting.state_dict()
        checkpoint['loss_weights'] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('loss_weights')
        if state is None:
            return
        self.adopt_names(state['names'])
        self.set_weights(state['weights'])
        if state.get('weighting') is not None:  # e.g. GradNorm's w, L(0)
            self.weighting.load_state_dict(state['weighting'])
        self._sum, self._count = state['sum'], state['count']


def _all_reduce_sum(tensor: torch.Tensor, group=None) -> torch.Tensor:
    """Sum over ``group`` (gloo: CPU tensors; nccl: via the current GPU)."""
    if torch_dist.get_backend(group) == 'nccl':
        cuda = tensor.cuda()
        torch_dist.all_reduce(cuda, group=group)
        return cuda.cpu()
    torch_dist.all_reduce(tensor, group=group)
    return tensor
