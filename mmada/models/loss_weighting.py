"""Loss weights lambda for any mmdet model, applied in ``parse_losses``.

An mmengine hook only sees the losses after the optimizer step
(``train_step`` = forward, ``parse_losses``, ``update_params``), so the
weighting lives in the model's ``parse_losses`` path, which the DDP wrapper
calls too. :func:`add_loss_weighting` gives a model instance a subclass of its
own class whose ``parse_losses`` first multiplies the named entries of the
loss dict by their weights (the trick ``torch.nn.utils.parametrize`` uses; the
state dict, the class name and everything else stay as they were). The
unweighted values of the named losses are kept for the controller.

The model's :class:`LossWeighting` (``model.loss_weighting``) is the one
owner of lambda: the exploration loop, a weighting rule and the head
gradient scaling read and set it there (``LossWeightHook`` builds it, logs
the weights and saves its state).

With every weight 1 nothing is multiplied: training is bit-for-bit plain mmdet
training.
"""
import fnmatch
import functools
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.distributed as torch_dist
from mmengine.dist import is_distributed
from torch import Tensor, nn

LossValue = Union[Tensor, List[Tensor]]


class LossWeighting:
    """Weights of named losses, their unweighted values summed over an
    interval, and the heads' 1/lambda gradient scaling.

    The base class is the rule "weights set from outside" (an exploration
    sets them per member); a weighting rule that sets them itself subclasses
    it, registers into mmdet's ``MODELS`` and is built by
    :class:`~mmada.engine.hooks.LossWeightHook`. Call order:

    .. code-block:: python

        rule = MODELS.build(cfg)                       # hook __init__
        rule.set_losses(losses)                        # hook before_run
        add_loss_weighting(model, rule)                # hook: rule.bind(model)
        rule.scale_head_gradients(model, heads)        # hook, head_lr_scaling
        rule.before_train(max_iters, iters_per_epoch)  # hook before_train
        rule.attach_optimizer(optimizer)               # hook before_train
        for iteration in range(1, max_iters + 1):
            model.parse_losses(losses)  # rule(losses): weighted, summed
            if rule.interval and iteration % rule.interval == 0:
                rule.end_interval()     # hook: after_interval(mean losses)
        checkpoint['loss_weights'] = rule.checkpoint_state()  # hook

    An exploration sets lambda per member instead::

        rule.set_loss_weights(loss_weights)
        rule.reset_losses()
        ...                             # q iterations
        losses = rule.interval_losses()

    Args:
        losses (Sequence[str], optional): Loss names, or ``fnmatch`` patterns
            (e.g. ``'s*.loss_cls'``), in the order of the weight vector.
            Patterns are expanded against the first loss dict (sorted
            matches), after which the names are fixed. None: given later
            with :meth:`set_losses` (LossWeightHook builds its rule before
            it reads the config's losses). Defaults to None.
    """

    #: Iterations between two :meth:`after_interval` calls (None: the rule
    #: is not told about intervals). Known after :meth:`before_train`.
    interval: Optional[int] = None

    def __init__(self, losses: Optional[Sequence[str]] = None) -> None:
        self.patterns: Optional[List[str]] = None
        self.names: Optional[List[str]] = None
        self.loss_weights: Optional[List[float]] = None  # None: all 1
        self.values: Optional[Tensor] = None  # last unweighted, detached
        # called with the weights that weighted each loss dict (None: all 1)
        self.listeners: List[Callable[[Optional[List[float]]], None]] = []
        self.head_scaling: Optional['HeadGradScaling'] = None
        self._heads: Optional[tuple] = None  # (model, heads, min_lambda)
        self._network_optimizer = None
        # the interval's sums of the unweighted losses, and the processes
        # they are all-reduced over (see set_process_group)
        self._sum: Optional[Tensor] = None
        self._count = 0
        self._group = None
        self._data_parallel = True
        if losses is not None:
            self.set_losses(losses)

    # -- the losses -----------------------------------------------------------
    def set_losses(self, losses: Sequence[str]) -> None:
        """Set the loss names or patterns (see the class docstring)."""
        if isinstance(losses, str) or not losses or not all(
                isinstance(p, str) for p in losses):
            raise ValueError('loss_weighting.losses must be a non-empty list '
                             f'of loss names, got {losses!r}')
        self.patterns = list(losses)
        self.names = None
        if not any(_is_pattern(p) for p in self.patterns):
            self.set_names(self.patterns)

    def set_names(self, names: Sequence[str]) -> None:
        """Fix the loss names: the patterns resolved (by :meth:`resolve` or
        by an earlier run, on resume); the head scaling starts here."""
        self.names = list(names)
        self._build_head_scaling()

    def adopt_names(self, names: Sequence[str]) -> None:
        """Take the loss names an earlier run resolved from the patterns (a
        resumed run has not seen a loss dict yet); no-op if names are set."""
        if self.names is None:
            self.set_names(names)

    def bind(self, model: nn.Module) -> None:
        """Called once with the (unwrapped) model the weighting serves.

        Static weights need nothing; weighting rules that learn their weights
        from the model during training (GradNorm) override it.
        """

    def resolve(self, loss_keys: Sequence[str]) -> List[str]:
        """Fix the loss names from the keys of a real loss dict.

        Raises:
            KeyError: A name or pattern matches no loss of the model.
        """
        if self.patterns is None:
            raise RuntimeError('LossWeighting: no losses to weight; call '
                               'set_losses first')
        names: List[str] = []
        for pattern in self.patterns:
            matches = sorted(fnmatch.filter(loss_keys, pattern))
            if not matches:
                raise KeyError(
                    f'loss_weighting.losses: {pattern!r} matches no loss of '
                    f'the model; its losses are {sorted(loss_keys)}')
            names += [m for m in matches if m not in names]
        self.set_names(names)
        return names

    # -- lambda ---------------------------------------------------------------
    def set_loss_weights(self,
                         loss_weights: Optional[Sequence[float]]) -> None:
        """Set lambda (in the order of :attr:`names`); None means all 1.

        The head scaling follows at the next loss dict (see
        :attr:`listeners`)."""
        if loss_weights is not None:
            loss_weights = [float(w) for w in loss_weights]
            if self.names is not None and len(loss_weights) != len(
                    self.names):
                raise ValueError(f'got {len(loss_weights)} loss weights for '
                                 f'{len(self.names)} losses {self.names}')
        self.loss_weights = loss_weights

    def scale_head_gradients(self,
                             model: nn.Module,
                             heads: Dict[str, Sequence[str]],
                             min_lambda: float = 0.1) -> None:
        """Scale each head's gradients by 1/lambda (:class:`HeadGradScaling`
        following this weighting), from the moment the names are known.

        Args:
            model (nn.Module): The unwrapped model.
            heads (dict): Loss name -> module prefixes of its head.
            min_lambda (float): Clamp of lambda before inverting.
                Defaults to 0.1.
        """
        self._heads = (model, heads, min_lambda)
        self._build_head_scaling()

    def attach_optimizer(self, optimizer) -> None:
        """The network's optimizer, whose SGD momentum the head scaling
        keeps in step (:meth:`HeadGradScaling.attach_optimizer`)."""
        self._network_optimizer = optimizer
        if self.head_scaling is not None:
            self.head_scaling.attach_optimizer(optimizer)

    def _build_head_scaling(self) -> None:
        if (self._heads is None or self.names is None
                or self.head_scaling is not None):
            return
        model, heads, min_lambda = self._heads
        self.head_scaling = HeadGradScaling(model, heads, self.names,
                                            min_lambda, source=self)
        self.head_scaling.attach_optimizer(self._network_optimizer)

    # -- the interval losses --------------------------------------------------
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

    def interval_losses(self) -> np.ndarray:
        """Mean unweighted losses since the last reset, all-reduced over the
        process group if data-parallel (see :meth:`set_process_group`);
        resets the sums.

        Raises:
            RuntimeError: No loss dict was weighted since the last reset.
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

    def end_interval(self) -> bool:
        """The end of an interval of :attr:`interval` iterations: the rule
        sees its mean losses (:meth:`after_interval`) and its new weights,
        if any, are set.

        Returns:
            bool: Whether the rule set new weights.
        """
        loss_weights = self.after_interval(self.interval_losses())
        if loss_weights is None:
            return False
        self.set_loss_weights(loss_weights)
        return True

    # -- training: what a rule overrides --------------------------------------
    def before_train(self, max_iters: int, iters_per_epoch: int) -> None:
        """The schedule, once the train loop exists (before iteration 1).

        Args:
            max_iters (int): Iterations of the whole training.
            iters_per_epoch (int): Length of the train dataloader.
        """

    def after_interval(self,
                       losses: np.ndarray) -> Optional[List[float]]:
        """The end of an interval of :attr:`interval` iterations.

        Args:
            losses (np.ndarray): The interval's mean unweighted losses (in
                the order of :attr:`names`), all-reduced over the processes
                that train the model.

        Returns:
            list[float] | None: The loss weights of the next interval, or
            None to keep the current ones.
        """
        return None

    def state_dict(self) -> dict:
        """What a resumed run needs besides the names, lambda and the
        interval sums (which :meth:`checkpoint_state` adds)."""
        return {}

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""

    # -- resume ---------------------------------------------------------------
    def checkpoint_state(self) -> dict:
        """A checkpoint's ``loss_weights``: the names, lambda, the interval
        sums and the rule's :meth:`state_dict`."""
        return dict(
            names=self.names,
            loss_weights=self.loss_weights,
            sum=None if self._sum is None else self._sum.cpu(),
            count=self._count,
            weighting=self.state_dict())

    def load_checkpoint_state(self, state: dict) -> None:
        """Restore what :meth:`checkpoint_state` returned."""
        if state.get('names') is not None:
            self.adopt_names(state['names'])
        self.set_loss_weights(state['loss_weights'])
        if state.get('weighting'):  # e.g. GradNorm's w and L(0)
            self.load_state_dict(state['weighting'])
        self._sum, self._count = state['sum'], state['count']

    # -- per loss dict --------------------------------------------------------
    def __call__(self, losses: Dict[str, LossValue]) -> Dict[str, LossValue]:
        """Weight a loss dict (a new dict; the input is not modified) and add
        its unweighted values to the interval sums."""
        if self.names is None or any(n not in losses for n in self.names):
            self.resolve(list(losses))
        self.values = torch.stack(
            [reduce_loss(losses[n]).detach() for n in self.names])
        self._add_to_sums(self.values)
        weights = self.loss_weights
        for listener in self.listeners:
            listener(weights)
        if weights is None or all(w == 1.0 for w in weights):
            return losses
        losses = dict(losses)
        for name, weight in zip(self.names, weights):
            if weight != 1.0:
                losses[name] = _scale(losses[name], weight)
        return losses

    def _add_to_sums(self, values: Tensor) -> None:
        values = values.to(torch.float64)
        self._sum = values if self._sum is None else (
            self._sum.to(values.device) + values)
        self._count += 1


def _is_pattern(name: str) -> bool:
    return any(c in name for c in '*?[')


def reduce_loss(value: LossValue) -> Tensor:
    """The scalar mmengine's ``parse_losses`` makes of a loss entry."""
    if isinstance(value, Tensor):
        return value.mean()
    return sum(v.mean() for v in value)


def _scale(value: LossValue, weight: float) -> LossValue:
    if isinstance(value, Tensor):
        return value * weight
    return [v * weight for v in value]


def _all_reduce_sum(tensor: Tensor, group=None) -> Tensor:
    """Sum over ``group`` (gloo: CPU tensors; nccl: via the current GPU)."""
    if torch_dist.get_backend(group) == 'nccl':
        cuda = tensor.cuda()
        torch_dist.all_reduce(cuda, group=group)
        return cuda.cpu()
    torch_dist.all_reduce(tensor, group=group)
    return tensor


class LossWeightingMixin:
    """``parse_losses`` that weights the loss dict first (see module doc)."""

    loss_weighting: LossWeighting

    def parse_losses(self, losses):
        return super().parse_losses(self.loss_weighting(losses))


@functools.lru_cache(maxsize=None)
def _weighted_class(cls: type) -> type:
    return type(cls.__name__, (LossWeightingMixin, cls),
                {'__module__': cls.__module__})


def add_loss_weighting(model: nn.Module,
                       weighting: LossWeighting) -> LossWeighting:
    """Make ``model.parse_losses`` apply ``weighting`` (an unwrapped model).

    Returns:
        LossWeighting: ``weighting``, now ``model.loss_weighting``.
    """
    if not isinstance(model, LossWeightingMixin):
        model.__class__ = _weighted_class(type(model))
    model.loss_weighting = weighting
    weighting.bind(model)
    return weighting


class HeadGradScaling:
    """The heads' share of lambda undone: "we re-scale the learning rate of
    the i-th head by 1/lambda_i ... so that the loss weights only influence
    the shared backbone" (paper, Implementation Details).

    Implemented on the gradients of each head's parameters: a hook on every
    head parameter multiplies its gradient by ``1 / lambda_i`` during the
    backward pass. For SGD this is exactly a learning rate ``lr / lambda_i``
    with weight decay ``lambda_i * wd`` (the weight decay term is untouched,
    so it is not scaled along with the lr); unlike a factor written into
    ``param_group['lr']``, it never compounds with the cosine scheduler (which
    derives each lr from the group's current one), needs no state of its own
    (it follows the member's current lambda, which moves with the member) and
    works with any optimizer wrapper, AMP and DDP (the hook runs before DDP's
    all-reduce).

    Momentum: SGD's momentum buffer accumulates the scaled gradients, so
    after a change of lambda it would still carry the previous factor for a
    while (a switch of lambda from 2 to 0.5 then differs from lr / lambda).
    With :meth:`attach_optimizer`, the factor a parameter's buffer was built
    with is kept in the optimizer's state (``head_grad_scale``, saved and
    restored with it: resume and an exploration's member restore keep it
    right) and the buffer is rescaled by new / old factor at the first
    backward with the new lambda: SGD with momentum then follows lr /
    lambda_i and weight decay lambda_i * wd exactly across lambda changes
    (tested against per-group lr and weight decay).

    Choices: lambda is clamped to ``min_lambda`` before inverting (lambda near
    0 would make 1/lambda explode; default 0.1, i.e. at most a 10x gradient);
    a parameter trained by several weighted losses (Shared2FCBBoxHead's
    shared fcs serve both loss_cls and loss_bbox) gets
    ``1 / mean(clamped lambdas)`` of those losses.

    Args:
        model (nn.Module): The unwrapped model.
        heads (dict): Loss name -> list of module-name prefixes of the
            parameters that loss trains on its own.
        loss_names (list[str]): The order of the weight vector.
        min_lambda (float): Clamp before inverting. Defaults to 0.1.
        source (LossWeighting, optional): The rule whose weights the
            factors follow: the weights that weighted each loss dict (told
            once per iteration through ``source.listeners``, before the
            backward they scale), so exact also for rules that set lambda
            every iteration themselves (GradNorm, which moves to w(t+1)
            after weighting with w(t); the torchjd scalarizers). None: only
            :meth:`set_loss_weights`.

    Only SGD (with or without momentum) turns a gradient factor into a
    learning-rate factor; Adam and its kin normalise it away, so
    :meth:`attach_optimizer` refuses them.
    """

    def __init__(self,
                 model: nn.Module,
                 heads: Dict[str, Sequence[str]],
                 loss_names: Sequence[str],
                 min_lambda: float = 0.1,
                 source: Optional['LossWeighting'] = None) -> None:
        unknown = sorted(set(heads) - set(loss_names))
        if unknown:
            raise KeyError(f'loss_weighting.heads: {unknown} are not weighted '
                           f'losses {list(loss_names)}')
        if min_lambda <= 0:
            raise ValueError(
                f'loss_weighting.min_lambda must be > 0, got {min_lambda}')
        self.min_lambda = min_lambda
        self.loss_index = {name: i for i, name in enumerate(loss_names)}
        # parameter name -> indices of the losses whose head it belongs to
        self.groups: Dict[str, List[int]] = {}
        names = dict(model.named_parameters())
        for loss, prefixes in heads.items():
            found = False
            for pname in names:
                if any(pname == p or pname.startswith(p + '.')
                       for p in prefixes):
                    self.groups.setdefault(pname, []).append(
                        self.loss_index[loss])
                    found = True
            if not found:
                raise KeyError(f'loss_weighting.heads[{loss!r}]: no '
                               f'parameter of the model under {prefixes}')
        self.scales: Dict[str, float] = {n: 1.0 for n in self.groups}
        self.params = {n: names[n] for n in self.groups}
        self.optimizer = None
        self._followed = None
        if source is not None:
            source.listeners.append(self.follow)
        self.source = source
        self._handles = [
            names[n].register_hook(functools.partial(self._scale, n))
            for n in self.groups if names[n].requires_grad
        ]

    def attach_optimizer(self, optimizer) -> None:
        """Keep SGD's momentum buffers in step with the factors (see
        above); None (no optimizer yet) is left alone.

        Raises:
            ValueError: Any other optimizer (the 1/lambda lr would be
                silently lost).
        """
        if optimizer is not None and not isinstance(optimizer,
                                                    torch.optim.SGD):
            raise ValueError(
                "loss_weighting.head_lr_scaling: the heads' 1/lambda lr is "
                'a gradient factor, exact only with SGD; '
                f'{type(optimizer).__name__} normalises it away: use SGD or '
                'set head_lr_scaling=False')
        self.optimizer = optimizer

    def set_loss_weights(self,
                         loss_weights: Optional[Sequence[float]]) -> None:
        """Update the gradient factors from lambda (None: all 1)."""
        for pname, idx in self.groups.items():
            if loss_weights is None:
                self.scales[pname] = 1.0
            else:
                lam = [max(float(loss_weights[i]), self.min_lambda)
                       for i in idx]
                self.scales[pname] = len(lam) / sum(lam)

    def follow(self, loss_weights: Optional[Sequence[float]]) -> None:
        """The source's weights for the next backward (once per
        iteration; the factors are recomputed when they changed)."""
        weights = None if loss_weights is None else [
            float(w) for w in loss_weights]
        if weights != self._followed:
            self._followed = weights
            self.set_loss_weights(weights)

    def _scale(self, pname: str, grad: Tensor) -> Optional[Tensor]:
        scale = self.scales[pname]
        if self.optimizer is not None:
            self._rescale_momentum(self.optimizer.state[self.params[pname]],
                                   scale)
        return None if scale == 1.0 else grad * scale

    @staticmethod
    @torch.no_grad()
    def _rescale_momentum(state: dict, scale: float) -> None:
        """Bring a parameter's momentum buffer to the factor ``scale``."""
        built_with = state.get('head_grad_scale', 1.0)
        buffer = state.get('momentum_buffer')
        if buffer is not None and built_with != scale:
            buffer.mul_(scale / built_with)
        state['head_grad_scale'] = scale

    def remove(self) -> None:
        """Remove the gradient hooks (and stop following the source)."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
        if self.source is not None and self.follow in self.source.listeners:
            self.source.listeners.remove(self.follow)
