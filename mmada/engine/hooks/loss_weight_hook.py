"""Thin glue between a runner and the loss weights of its model."""
from numbers import Real
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.distributed as torch_dist
from mmengine.dist import is_distributed
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmdet.registry import HOOKS, MODELS

from mmada.models.loss_weighting import (HeadGradScaling, LossWeighting,
                                         add_loss_weighting)

#: The library defaults of the settings a hook argument or the config's
#: ``loss_weighting`` dict can give (``losses`` has none: it is required).
DEFAULTS: Dict[str, Any] = dict(
    losses=None, heads=None, head_lr_scaling=True, min_lambda=0.1)


@HOOKS.register_module()
class LossWeightHook(Hook):
    """Apply loss weights lambda, collect the unweighted losses and run a
    weighting rule.

    The rule (:class:`~mmada.models.LossWeighting` or a subclass from mmdet's
    ``MODELS``: ``GradNormWeighting``, ``UncertaintyWeighting``,
    ``AdaSegmentWeighting`` for policy transfer) holds the logic; the hook
    feeds it from the runner. Call order::

        __init__          check the arguments; rule = MODELS.build(weighting)
        before_run        settings (see below); rule.set_losses(losses); the
                          model's parse_losses weights the losses (see
                          mmada.models.loss_weighting); head gradients 1/lambda
        before_train      rule.before_train(max_iters, iters_per_epoch)
        after_train_iter  sum the unweighted losses; every rule.interval
                          iterations: rule.after_interval(interval_losses())
                          may return new weights (logged as
                          ``loss_weights/<name>`` scalars)
        before_save_checkpoint / after_load_checkpoint
                          checkpoint['loss_weights']: names, lambda, the
                          running sums and rule.state_dict()

    Settings precedence, one rule for every key (``losses``, ``heads``,
    ``head_lr_scaling``, ``min_lambda``): an argument given to the hook
    (not None) wins; else the key of the config's ``loss_weighting`` dict
    (one per model base config); else the library default (:data:`DEFAULTS`).
    So ``dict(type='LossWeightHook')`` is enough for a config with a
    ``loss_weighting`` dict, and ``head_lr_scaling=False`` on the hook is
    never overridden. Arguments and the rule are checked here, the
    config's keys at ``before_run``.

    Args:
        losses (list[str], optional): Loss names or patterns.
        heads (dict, optional): Loss name -> module prefixes of its head.
        head_lr_scaling (bool, optional): Scale head gradients by 1/lambda
            (library default True).
        min_lambda (float, optional): Clamp of lambda before inverting
            (library default 0.1).
        weighting (dict, optional): The weighting rule, built from mmdet's
            MODELS registry without ``losses`` (the hook gives them), e.g.
            ``dict(type='GradNormWeighting')``. Defaults to
            :class:`LossWeighting` (weights set from outside, e.g. by an
            exploration).
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self,
                 losses: Optional[Sequence[str]] = None,
                 heads: Optional[Dict[str, Sequence[str]]] = None,
                 head_lr_scaling: Optional[bool] = None,
                 min_lambda: Optional[float] = None,
                 weighting: Optional[dict] = None) -> None:
        self.arguments = dict(losses=losses, heads=heads,
                              head_lr_scaling=head_lr_scaling,
                              min_lambda=min_lambda)
        check_settings(self.arguments, 'LossWeightHook.')
        if weighting is None:
            self.weighting = LossWeighting()
        else:
            if not isinstance(weighting, dict) or 'type' not in weighting:
                raise TypeError('LossWeightHook.weighting must be a dict with'
                                f' a `type`, got {weighting!r}')
            if 'losses' in weighting:
                raise KeyError('LossWeightHook.weighting: no `losses` (give '
                               "them to the hook or the config's "
                               'loss_weighting)')
            self.weighting = MODELS.build(dict(weighting, losses=None))
            if not isinstance(self.weighting, LossWeighting):
                raise TypeError(
                    f'LossWeightHook.weighting: {weighting["type"]} is not '
                    'a LossWeighting')
        self.settings: Dict[str, Any] = {}  # resolved at before_run
        self.head_scaling: Optional[HeadGradScaling] = None
        self.model = None
        self.optimizer = None
        # the processes that train this model together: see
        # set_process_group
        self._group = None
        self._data_parallel = True
        self._sum: Optional[torch.Tensor] = None
        self._count = 0
        self.log_interval = 50  # LoggerHook's, read at before_train

    # -- set-up ------------------------------------------------------------
    def before_run(self, runner) -> None:
        cfg = runner.cfg.get('loss_weighting', None) or {}
        unknown = set(cfg) - set(DEFAULTS)
        if unknown:
            raise KeyError(f'loss_weighting: unknown keys {sorted(unknown)}; '
                           f'expected {", ".join(DEFAULTS)}')
        check_settings(cfg, 'loss_weighting.')
        self.settings = {
            key: next((v for v in (self.arguments[key], cfg.get(key))
                       if v is not None), default)
            for key, default in DEFAULTS.items()
        }
        if not self.settings['losses']:
            raise KeyError('LossWeightHook: no losses to weight: set the '
                           "config's loss_weighting.losses or the hook's "
                           '`losses`')
        self.weighting.set_losses(self.settings['losses'])
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        self.model = model
        add_loss_weighting(model, self.weighting)
        if self.weighting.names is not None:
            self._setup_heads()

    def before_train(self, runner) -> None:
        self.weighting.before_train(
            max_iters=runner.max_iters,
            iters_per_epoch=len(runner.train_dataloader))
        logger = (runner.cfg.get('default_hooks') or {}).get('logger')
        self.log_interval = (logger or {}).get('interval', 50)
        # the optimizer exists now: head factors keep its momentum in step
        self.optimizer = getattr(getattr(runner, 'optim_wrapper', None),
                                 'optimizer', None)
        if self.head_scaling is not None:
            self.head_scaling.attach_optimizer(self.optimizer)

    def _setup_heads(self) -> None:
        if (self.settings.get('head_lr_scaling')
                and self.settings.get('heads') and self.head_scaling is None):
            self.head_scaling = HeadGradScaling(self.model,
                                                self.settings['heads'],
                                                self.weighting.names,
                                                self.settings['min_lambda'],
                                                source=self.weighting)
            self.head_scaling.set_loss_weights(self.weighting.loss_weights)
            self.head_scaling.attach_optimizer(self.optimizer)

    # -- the API of runners and loops ----------------------------------------
    def set_process_group(self, group, data_parallel: bool) -> None:
        """The processes that train this model together.

        Args:
            group: The process group the interval losses are all-reduced
                over (None: the whole world).
            data_parallel (bool): Whether the processes of ``group`` train
                one model on shards of the data (False: each process trains
                its own, e.g. an exploration's single-process members).
        """
        self._group = group
        self._data_parallel = bool(data_parallel)

    @property
    def patterns(self) -> List[str]:
        """The configured loss names or patterns (known after before_run)."""
        if self.weighting.patterns is None:
            raise RuntimeError('the losses are known after before_run')
        return list(self.weighting.patterns)

    @property
    def names_known(self) -> bool:
        """Whether :attr:`names` is resolved."""
        return self.weighting.names is not None

    @property
    def names(self) -> List[str]:
        """The weighted losses, in the order of every weight vector."""
        if self.weighting.names is None:
            raise RuntimeError('the loss names are known after before_run '
                               '(patterns: after the first iteration)')
        return list(self.weighting.names)

    def adopt_names(self, names: Sequence[str]) -> None:
        """Take the loss names an earlier run resolved from the patterns (a
        resumed run has not seen a loss dict yet); no-op if names are set."""
        if self.weighting.names is None:
            self.weighting.set_names(names)
            self._setup_heads()

    @property
    def loss_weights(self) -> List[float]:
        """The current lambda (all 1 when unset)."""
        w = self.weighting.loss_weights
        return list(w) if w is not None else [1.0] * len(self.names)

    def set_loss_weights(self,
                         loss_weights: Optional[Sequence[float]]) -> None:
        """Set lambda for the following iterations (None: all 1)."""
        if loss_weights is not None:
            loss_weights = [float(w) for w in loss_weights]
        self.weighting.set_loss_weights(loss_weights)
        if self.head_scaling is not None:
            self.head_scaling.set_loss_weights(loss_weights)

    def interval_losses(self) -> np.ndarray:
        """Mean unweighted losses since the last reset, all-reduced over the
        process group if data-parallel (see :meth:`set_process_group`);
        resets the sums.

        Raises:
            RuntimeError: No iteration was run since the last reset.
        """
        total = torch.zeros(len(self.names) + 1, dtype=torch.float64)
        if self._sum is not None:
            total[:-1] = self._sum.cpu()
        total[-1] = self._count
        if self._data_parallel and is_distributed():
            total = _all_reduce_sum(total, self._group)
        if total[-1] == 0:
            raise RuntimeError('no training iteration since the last '
                               'interval: no loss to report')
        self.reset_losses()
        return (total[:-1] / total[-1]).numpy()

    def reset_losses(self) -> None:
        """Forget the losses summed so far."""
        self._sum, self._count = None, 0

    # -- per iteration --------------------------------------------------------
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
        interval = self.weighting.interval
        changed = False
        if interval and self.every_n_train_iters(runner, interval):
            loss_weights = self.weighting.after_interval(
                self.interval_losses())
            if loss_weights is not None:
                self.set_loss_weights(loss_weights)
                changed = True
        # rules that change the weights every iteration (GradNorm,
        # uncertainty, torchjd's scalarizers) are logged as often as the
        # losses are
        if changed or (self.weighting.loss_weights is not None
                       and self.every_n_train_iters(runner,
                                                    self.log_interval)):
            runner.visualizer.add_scalars(
                {f'loss_weights/{n}': w
                 for n, w in zip(self.names, self.loss_weights)},
                step=runner.iter + 1)

    # -- resume ---------------------------------------------------------------
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['loss_weights'] = dict(
            names=self.weighting.names,
            loss_weights=self.weighting.loss_weights,
            sum=None if self._sum is None else self._sum.cpu(),
            count=self._count,
            weighting=self.weighting.state_dict())

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('loss_weights')
        if state is None:
            return
        if state.get('names') is not None:
            self.adopt_names(state['names'])
        self.set_loss_weights(state['loss_weights'])
        if state.get('weighting'):  # e.g. GradNorm's w and L(0)
            self.weighting.load_state_dict(state['weighting'])
        self._sum, self._count = state['sum'], state['count']


def check_settings(settings: dict, where: str) -> None:
    """Check the types and values of the settings that are not None.

    Args:
        settings (dict): Some of the keys of :data:`DEFAULTS`.
        where (str): Prefix of the key in the messages.
    """
    losses = settings.get('losses')
    if losses is not None and (isinstance(losses, str) or not losses or
                               not all(isinstance(x, str) for x in losses)):
        raise ValueError(f'{where}losses must be a non-empty list of loss '
                         f'names or patterns, got {losses!r}')
    heads = settings.get('heads')
    if heads is not None and (not isinstance(heads, dict) or not all(
            isinstance(k, str) and not isinstance(v, str)
            and all(isinstance(p, str) for p in v)
            for k, v in heads.items())):
        raise ValueError(f'{where}heads must be a dict loss name -> list of '
                         f'module prefixes, got {heads!r}')
    scaling = settings.get('head_lr_scaling')
    if scaling is not None and not isinstance(scaling, bool):
        raise TypeError(f'{where}head_lr_scaling must be a bool, got '
                        f'{scaling!r}')
    min_lambda = settings.get('min_lambda')
    if min_lambda is not None and (isinstance(min_lambda, bool) or
                                   not isinstance(min_lambda, Real)
                                   or not min_lambda > 0):
        raise ValueError(f'{where}min_lambda must be a number > 0, got '
                         f'{min_lambda!r}')


def _all_reduce_sum(tensor: torch.Tensor, group=None) -> torch.Tensor:
    """Sum over ``group`` (gloo: CPU tensors; nccl: via the current GPU)."""
    if torch_dist.get_backend(group) == 'nccl':
        cuda = tensor.cuda()
        torch_dist.all_reduce(cuda, group=group)
        return cuda.cpu()
    torch_dist.all_reduce(tensor, group=group)
    return tensor


def _removed_ada_segment_hook(**kwargs):
    """``AdaSegmentHook`` was replaced by a weighting rule."""
    raise TypeError(
        "AdaSegmentHook was removed: use dict(type='LossWeightHook', "
        "weighting=dict(type='AdaSegmentWeighting', controller=..., "
        "mode=...))")


HOOKS.register_module('AdaSegmentHook', module=_removed_ada_segment_hook)
