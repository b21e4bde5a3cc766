"""Loss-balancing methods of one training's cost, from torchjd's scalarizers.

``torchjd.scalarization`` (pinned in requirements/runtime.txt) implements
FAMO (Liu et al., NeurIPS 2023), DWA (Liu et al., CVPR 2019), random loss
weighting (RLW, Lin et al., TMLR 2022), IMTL-L (Liu et al., ICLR 2021),
uncertainty weighting (UW, Kendall et al., CVPR 2018) and a few fixed
scalarizations (``Mean``, ``GeometricMean``, ``STCH``...). Each maps the
vector of losses L to the scalar f(L) to back-propagate.
:class:`ScalarizerWeighting` plugs any of them into mmada's weighting point::

    weighting=dict(type='ScalarizerWeighting',
                   scalarizer=dict(type='FAMO', lr=0.025))

The network's gradient of f(L) is sum_i df/dL_i grad L_i (chain rule), so
the rule weights the loss dict with lambda_i = df/dL_i, taken by autograd on
a detached copy of L: the network receives exactly the gradient of f, every
loss stays a separate entry of the log, and lambda is the rule's
``loss_weights``, saved and logged as every other rule's.
"""
import inspect
from typing import Dict, List, Optional, Sequence, Union

import mmengine.optim  # noqa: F401  (registers torch's optimizers)
import numpy as np
import torch
import torchjd
import torchjd.scalarization as scalarization
from mmengine.dist import all_reduce, broadcast
from mmengine.registry import OPTIMIZERS
from mmdet.registry import MODELS
from torch import Tensor

from mmada.models.loss_weighting import (LossValue, LossWeighting,
                                         reduce_loss)

#: The scalarizers ``scalarizer.type`` may name.
SCALARIZERS = sorted(
    name for name in scalarization.__all__
    if name != 'Scalarizer' and isinstance(getattr(scalarization, name), type)
    and issubclass(getattr(scalarization, name), scalarization.Scalarizer))


@MODELS.register_module()
class ScalarizerWeighting(LossWeighting):
    """Loss weights lambda = df/dL of a ``torchjd.scalarization`` scalarizer f.

    Per training iteration (``parse_losses``), with L the iteration's
    unweighted losses averaged over the processes (so every process applies
    the same lambda; a random scalarizer's lambda is broadcast from rank 0):

    1. a scalarizer with an ``update`` method (FAMO) is updated with L: the
       losses after the previous iteration's optimizer step, on this
       iteration's batch (see below);
    2. lambda = ``scale`` * df/dL at L, and the loss dict is weighted by it;
    3. the scalarizer's learnable parameters (UW's log-variances, IMTL-L's
       log-scales) take one step of ``optimizer`` on df/dparams at L, after
       lambda was taken: a joint gradient step on the network and the
       parameters, as if they were trained with it.

    A scalarizer with a ``step`` method (DWA) has it called once per
    ``interval`` iterations (by default one epoch, the train dataloader's
    length: :meth:`after_interval`), which rolls its history of epoch-mean
    losses.

    Choices:

    * FAMO's update needs the losses "after the model update". The paper
      and torchjd's example recompute them on the same batch (an extra
      forward pass per iteration); here they are the next iteration's
      losses, which the training computes anyway: no extra cost, at the
      price of comparing two batches (the batch-to-batch noise of
      log L_i enters FAMO's logit update; FAMO's Adam step of at most about
      ``lr`` per iteration bounds its effect).
    * ``scale`` multiplies lambda. RLW's and FAMO's lambda sum to 1 (a
      convex combination of the loss gradients), IMTL-L's and UW's sum to
      whatever their learned scales give (on the built-in data 3.5-22x the
      Baseline's), the Baseline's all-1 weights sum to the number of losses
      n; the papers train with Adam, which ignores the total, mmada's
      schedules with SGD, which does not: a larger total is a larger step.
      ``scale='num_losses'`` rescales lambda to sum to n at every iteration
      (lambda * n / sum(lambda)), so the learning rate keeps its meaning and
      only the balance between the losses is the method's (for RLW and
      FAMO, whose lambda sums to 1, it is the factor n).
    * The learnable parameters have an optimizer of their own (the
      network's has a warm-up, a cosine decay and weight decay not meant
      for them; a parameter added by a hook would miss mmengine's optimizer
      and DDP): Adam, lr 0.025 by default.
    * The scalarizer runs on the CPU in float64, outside the network's
      graph.
    * Resume: torchjd keeps part of a scalarizer's state in private
      attributes (FAMO's Adam moments and last losses, DWA's epoch sums), so
      :meth:`state_dict` saves the loss vectors the scalarizer was given and
      the iterations at which ``step`` was called, and
      :meth:`load_state_dict` replays them on a new scalarizer through its
      public calls: the same float operations in the same order, so the
      resumed state is identical (checked against the saved parameters).
      Cost: 8 bytes per loss and iteration in the checkpoint (90k
      iterations x 10 losses: 7 MB), a few seconds of replay on resume.
      Scalarizers without state (RLW, fixed scalarizations) save nothing.
    * The logged ``loss`` is sum_i lambda_i L_i, not f(L) (for FAMO, f is
      a weighted sum of log-losses; for UW and IMTL-L, f adds a constant
      regulariser that has no gradient for the network).

    Args:
        losses (Sequence[str], optional): Loss names or patterns (see
            :class:`LossWeighting`).
        scalarizer (dict): ``type``: the name of a class in
            ``torchjd.scalarization`` (see :data:`SCALARIZERS`), the other
            keys its arguments. ``shape`` defaults to the number of losses;
            a list value (FAMO's ``min_losses``, ``Constant``'s ``weights``)
            becomes a float64 tensor.
        scale (float | str): Factor of lambda, or ``'num_losses'`` (lambda
            rescaled to sum to the number of losses). Defaults to 1.
        optimizer (dict): The optimizer of the scalarizer's learnable
            parameters, an mmengine ``OPTIMIZERS`` config without
            ``params``. Defaults to ``dict(type='Adam', lr=0.025)``.
        interval (int, optional): Iterations between two ``step`` calls of a
            scalarizer that has one. Defaults to one epoch.
    """

    def __init__(self,
                 losses: Optional[Sequence[str]] = None,
                 scalarizer: Optional[dict] = None,
                 scale: Union[float, str] = 1.0,
                 optimizer: Optional[dict] = None,
                 interval: Optional[int] = None) -> None:
        if not isinstance(scalarizer, dict) or 'type' not in scalarizer:
            raise KeyError('ScalarizerWeighting.scalarizer: expected a dict '
                           f"with a 'type', got {scalarizer!r}")
        self.scalarizer_cfg = dict(scalarizer)
        kind = self.scalarizer_cfg.pop('type')
        if kind not in SCALARIZERS:
            raise KeyError(
                f'ScalarizerWeighting.scalarizer.type: {kind!r} is not a '
                f'scalarizer of torchjd {torchjd_version()}; choose one of '
                f'{", ".join(SCALARIZERS)}')
        self.scalarizer_type = kind
        self.scalarizer_class = getattr(scalarization, kind)
        try:
            self._scalarizer_kwargs(1, check=True)
        except TypeError as e:
            raise TypeError(
                f'ScalarizerWeighting.scalarizer: {kind}: {e}') from None
        if not (scale == 'num_losses' or
                (isinstance(scale, (int, float)) and scale > 0)):
            raise ValueError('ScalarizerWeighting.scale must be > 0 or '
                             f"'num_losses', got {scale!r}")
        self.scale = scale
        self.optimizer_cfg = dict(optimizer or dict(type='Adam', lr=0.025))
        if 'params' in self.optimizer_cfg:
            raise KeyError('ScalarizerWeighting.optimizer: no `params`, the '
                           "optimizer trains the scalarizer's parameters")
        if interval is not None and (not isinstance(interval, int)
                                     or interval < 1):
            raise ValueError('ScalarizerWeighting.interval must be a '
                             f'positive int or None, got {interval!r}')
        self.step_interval = interval
        self.scalarizer: Optional[scalarization.Scalarizer] = None
        self.optimizer: Optional[torch.optim.Optimizer] = None
        self.num_calls = 0  # training iterations seen
        self.history: List[Tensor] = []  # the L given, if stateful
        self.steps: List[int] = []  # num_calls at each ``step``
        super().__init__(losses)

    # -- the scalarizer -------------------------------------------------------
    def _scalarizer_kwargs(self, n: int, check: bool = False) -> dict:
        kwargs = {
            key: torch.tensor(value, dtype=torch.float64)
            if isinstance(value, (list, tuple)) else value
            for key, value in self.scalarizer_cfg.items()
        }
        params = inspect.signature(self.scalarizer_class).parameters
        if 'shape' in params and 'shape' not in kwargs:
            kwargs['shape'] = n
        if check:  # raises TypeError for a missing or unknown argument
            inspect.signature(self.scalarizer_class).bind(**kwargs)
        return kwargs

    def set_names(self, names: Sequence[str]) -> None:
        """Fix the loss names and build a new scalarizer for them."""
        super().set_names(names)
        self.scalarizer = self.scalarizer_class(
            **self._scalarizer_kwargs(len(self.names))).double()
        self.optimizer = None
        self.num_calls = 0
        self.history, self.steps = [], []

    @property
    def stateful(self) -> bool:
        """Whether the scalarizer keeps a state (replayed on resume)."""
        return isinstance(self.scalarizer, torchjd.Stateful) or any(
            True for _ in self.scalarizer.parameters())

    # -- per iteration --------------------------------------------------------
    def __call__(self, losses: Dict[str, LossValue]) -> Dict[str, LossValue]:
        """Weight the losses; in training, first take lambda (and update the
        scalarizer) from this iteration's losses."""
        if self.names is None or any(n not in losses for n in self.names):
            self.resolve(list(losses))
        reduced = [reduce_loss(losses[n]) for n in self.names]
        if torch.is_grad_enabled() and any(r.requires_grad for r in reduced):
            values = torch.stack([r.detach() for r in reduced])
            all_reduce(values, op='mean')  # the same L on every rank
            loss_weights = self.scalarize(values.cpu().double())
            loss_weights = loss_weights.to(values.device)
            broadcast(loss_weights, src=0)  # RLW: rank 0's random draw
            self.set_loss_weights(loss_weights.cpu().double().tolist())
        return super().__call__(losses)

    def scalarize(self, values: Tensor) -> Tensor:
        """One training iteration of the scalarizer on the losses ``values``
        ((n,) float64): update, lambda, parameter step (see the class doc).

        Returns:
            Tensor: lambda, (n,) float64.
        """
        scalarizer = self.scalarizer
        if self.num_calls > 0 and hasattr(scalarizer, 'update'):
            scalarizer.update(values)  # FAMO: L after the previous step
        leaf = values.clone().requires_grad_(True)
        params = [p for p in scalarizer.parameters() if p.requires_grad]
        with torch.enable_grad():
            objective = scalarizer(leaf)
            grads = torch.autograd.grad(objective, [leaf, *params],
                                        allow_unused=True)
        learned = [(p, g) for p, g in zip(params, grads[1:]) if g is not None]
        if learned:  # UW, IMTL-L (FAMO's logits get no gradient here)
            if self.optimizer is None:
                self.optimizer = OPTIMIZERS.build(
                    dict(self.optimizer_cfg, params=[p for p, _ in learned]))
            for p, g in learned:
                p.grad = g
            self.optimizer.step()
            for p, _ in learned:
                p.grad = None
        if self.stateful:
            self.history.append(values.clone())
        self.num_calls += 1
        loss_weights = grads[0].detach()
        if self.scale == 'num_losses':  # the Baseline's sum, n
            return loss_weights * (len(loss_weights) / loss_weights.sum())
        return loss_weights * self.scale

    # -- training (see LossWeighting) -----------------------------------------
    def before_train(self, max_iters: int, iters_per_epoch: int) -> None:
        """A scalarizer with a ``step`` (DWA) is stepped every ``interval``
        iterations (default: ``iters_per_epoch``)."""
        if hasattr(self.scalarizer_class, 'step'):
            self.interval = self.step_interval or iters_per_epoch

    def after_interval(self, losses: Optional[np.ndarray]) -> None:
        """Roll the scalarizer's history (DWA: the epoch's mean losses,
        which it summed itself from the same all-reduced L; ``losses`` is
        not needed). The weights stay the rule's own: returns None."""
        self.step_scalarizer()
        return None

    def step_scalarizer(self) -> None:
        """Call the scalarizer's ``step`` (if it has one)."""
        if self.scalarizer is not None and hasattr(self.scalarizer, 'step'):
            self.scalarizer.step()
            self.steps.append(self.num_calls)

    # -- resume ---------------------------------------------------------------
    def state_dict(self) -> dict:
        """The losses given to the scalarizer and the iterations of its
        ``step`` calls (to replay), and its parameters (to check)."""
        if self.scalarizer is None:
            return dict(names=self.names)
        return dict(
            names=self.names,
            scalarizer_type=self.scalarizer_type,
            torchjd=torchjd_version(),
            num_calls=self.num_calls,
            history=torch.stack(self.history) if self.history else None,
            steps=list(self.steps),
            scalarizer={
                k: v.detach().clone()
                for k, v in self.scalarizer.state_dict().items()
            })

    def load_state_dict(self, state: dict) -> None:
        """Rebuild the scalarizer's state by replaying :meth:`state_dict`.

        Raises:
            ValueError: The state is another scalarizer's or another number
                of losses'.
            RuntimeError: The replay did not give the saved parameters (e.g.
                another torchjd version).
        """
        if state.get('names') is not None:
            self.set_names(state['names'])  # a new scalarizer
        if 'num_calls' not in state:
            return
        if state['scalarizer_type'] != self.scalarizer_type:
            raise ValueError(
                f'ScalarizerWeighting: the checkpoint is of '
                f'{state["scalarizer_type"]}, the config of '
                f'{self.scalarizer_type}')
        history = state['history']
        steps = list(state['steps'])
        if history is not None and history.shape[1] != len(self.names):
            raise ValueError(f'ScalarizerWeighting state of {history.shape[1]}'
                             f' losses for {len(self.names)} {self.names}')
        # RLW draws from the global RNG: the replay must not move it
        with torch.random.fork_rng(devices=[]):
            self._replay_steps(steps, 0)
            for values in (history if history is not None else []):
                self.scalarize(values.double())
                self._replay_steps(steps, self.num_calls)
        self.num_calls = state['num_calls']
        for key, saved in state['scalarizer'].items():
            now = self.scalarizer.state_dict()[key]
            if not torch.equal(now, saved.to(now)):
                raise RuntimeError(
                    f'ScalarizerWeighting: replaying the checkpoint did not '
                    f'restore {self.scalarizer_type}.{key} (saved with '
                    f'torchjd {state["torchjd"]}, running '
                    f'{torchjd_version()})')

    def _replay_steps(self, steps: List[int], num_calls: int) -> None:
        for _ in range(steps.count(num_calls)):
            self.step_scalarizer()


def torchjd_version() -> str:
    """The installed torchjd's version."""
    from importlib.metadata import version
    return version('torchjd')
