"""GradNorm (Chen et al., ICML 2018) on the shared features of a model.

"GradNorm: Gradient Normalization for Adaptive Loss Balancing in Deep
Multitask Networks", Algorithm 1, with learnable task weights w_i:

* network loss L = sum_i w_i L_i (the weighted entries of the loss dict);
* G_i = || grad_W (w_i L_i) ||_2 = w_i || grad_W L_i ||_2 on the shared
  parameters W, G_bar = mean_i G_i;
* L~_i = L_i(t) / L_i(0), r_i = L~_i / mean_j L~_j, target_i =
  G_bar * r_i ** alpha (a constant);
* L_grad = sum_i |G_i - target_i|; w takes one step of its own optimizer on
  grad_w L_grad and is renormalised to sum_i w_i = n (the number of losses).

Everything happens in ``parse_losses`` (see :mod:`mmada.models.loss_weighting`)
between the forward pass and the network's backward pass: the network step of
iteration t uses w(t), the updated w(t+1) weights iteration t + 1.
"""
from typing import Dict, List, Optional, Sequence, Union

import mmengine.optim  # noqa: F401  (registers torch's optimizers)
import torch
from mmengine.dist import all_reduce
from mmengine.registry import OPTIMIZERS
from mmdet.registry import MODELS
from torch import Tensor, nn

from mmada.models.loss_weighting import (LossValue, LossWeighting,
                                         reduce_loss)


@MODELS.register_module()
class GradNormWeighting(LossWeighting):
    """GradNorm loss weights, learned on the last shared layer(s).

    W is every trainable parameter whose name starts with a ``shared``
    prefix. The default, ``neck.fpn_convs``, is the FPN's output 3x3 convs:
    P2-P5 (and P6, a max-pool of P5 without parameters) are the features every
    weighted loss reads (the RoI heads through the RoI extractors, the
    semantic head directly), so these convs are the paper's "last shared
    layer". The lateral 1x1 convs and the backbone are shared too but lie
    below it; ``shared='neck'`` takes the whole FPN (the cost is about the
    same: each G_i needs the backward pass through its head either way).

    Choices (the paper leaves them open or they concern our setting):

    * ``||grad_W L_i||`` comes from one ``torch.autograd.grad(L_i, W,
      retain_graph=True)`` per loss, without ``create_graph``: G_i =
      w_i ||grad_W L_i|| is linear in w_i and the target is a constant, so
      grad_{w_i} L_grad = sign(G_i - target_i) ||grad_W L_i|| in closed form
      (what autograd through a second-order graph would give, without one).
    * w has an optimizer of its own (the paper trains w with the network's;
      ours has a warm-up, a cosine decay and weight decay that are not meant
      for w). Default Adam, lr 0.025: scale-free steps of about lr per
      iteration whatever the gradient norms of the layer are.
    * ``alpha`` 1.5: the value the paper uses for its NYUv2 experiments.
    * L_i(0) is the loss of the first iteration; an entry that is not > 0
      there (e.g. a loss without a sample) is taken again at the next
      iteration, and L~_i = 1 until then.
    * w is clamped to ``min_weight`` before the renormalisation (not in the
      paper): a step past 0 would make a loss weight negative, i.e. the
      network would maximise that loss.
    * Under DDP the loss values and gradient norms are averaged over the
      ranks before the update, so all ranks keep the same w (the mean of the
      local norms stands for the norm of the mean gradient).

    Args:
        losses (Sequence[str]): Loss names or patterns (see
            :class:`LossWeighting`).
        shared (str | Sequence[str]): Module-name prefix(es) of W.
            Defaults to ``'neck.fpn_convs'``.
        alpha (float): The asymmetry alpha. Defaults to 1.5.
        optimizer (dict): The optimizer of w, an mmengine ``OPTIMIZERS``
            config without ``params``. Defaults to
            ``dict(type='Adam', lr=0.025)``.
        min_weight (float): Floor of w before the renormalisation.
            Defaults to 1e-3.
    """

    def __init__(self,
                 losses: Sequence[str],
                 shared: Union[str, Sequence[str]] = 'neck.fpn_convs',
                 alpha: float = 1.5,
                 optimizer: Optional[dict] = None,
                 min_weight: float = 1e-3) -> None:
        super().__init__(losses)
        self.shared = [shared] if isinstance(shared, str) else list(shared)
        if not self.shared:
            raise ValueError('GradNormWeighting.shared: no module prefix')
        if min_weight <= 0:
            raise ValueError(
                f'GradNormWeighting.min_weight must be > 0, got {min_weight}')
        self.alpha = float(alpha)
        self.optimizer_cfg = dict(optimizer or dict(type='Adam', lr=0.025))
        if 'params' in self.optimizer_cfg:
            raise KeyError('GradNormWeighting.optimizer: no `params`, the '
                           'optimizer trains the loss weights')
        self.min_weight = min_weight
        self.params: Optional[List[nn.Parameter]] = None  # W
        self.w: Optional[Tensor] = None  # (n,) float64, the weights
        self.optimizer: Optional[torch.optim.Optimizer] = None
        self.initial: Optional[Tensor] = None  # L(0)
        self.stats: Dict[str, Tensor] = {}  # of the last update

    def bind(self, model: nn.Module) -> None:
        """Take W, the trainable parameters under the ``shared`` prefixes.

        Raises:
            KeyError: No trainable parameter under the prefixes.
        """
        self.params = [
            p for name, p in model.named_parameters() if p.requires_grad and
            any(name == s or name.startswith(s + '.') for s in self.shared)
        ]
        if not self.params:
            raise KeyError(f'GradNormWeighting.shared: no trainable '
                           f'parameter of the model under {self.shared}')

    # -- the weights ----------------------------------------------------------
    def _init_weights(self, n: int) -> None:
        """Make w (from ``loss_weights`` if set, else all 1) and its
        optimizer."""
        init = self.loss_weights
        if init is None:
            init = [1.0] * n
        self.w = torch.tensor(init, dtype=torch.float64)
        self.optimizer = OPTIMIZERS.build(
            dict(self.optimizer_cfg, params=[self.w]))
        self.loss_weights = self.w.tolist()

    def set_loss_weights(self,
                         loss_weights: Optional[Sequence[float]]) -> None:
        """Set w (None: all 1); the optimizer state is kept."""
        super().set_loss_weights(loss_weights)
        if self.w is not None:
            if loss_weights is None:
                loss_weights = [1.0] * len(self.w)
            self.w.copy_(torch.tensor(loss_weights, dtype=torch.float64))
            self.loss_weights = self.w.tolist()

    # -- per iteration --------------------------------------------------------
    def __call__(self, losses: Dict[str, LossValue]) -> Dict[str, LossValue]:
        """Weight the losses with w(t); in training also update w to w(t+1)."""
        if self.names is None or any(n not in losses for n in self.names):
            self.resolve(list(losses))
        if self.w is None:
            self._init_weights(len(self.names))
        weighted = super().__call__(losses)  # w(t), sets self.values
        if torch.is_grad_enabled() and any(
                reduce_loss(losses[n]).requires_grad for n in self.names):
            norms = self.grad_norms(losses)
            stats = torch.cat([self.values.to(norms), norms])
            all_reduce(stats, op='mean')  # the same w on every rank
            n = len(self.names)
            self.step(stats[:n].cpu().double(), stats[n:].cpu().double())
        return weighted

    def grad_norms(self, losses: Dict[str, LossValue]) -> Tensor:
        """||grad_W L_i||_2 of every weighted loss (unweighted L_i).

        One backward pass per loss through its head down to W, keeping the
        graph for the network's own backward pass.
        """
        if self.params is None:
            raise RuntimeError('GradNormWeighting: bind(model) first (done '
                               'by add_loss_weighting / LossWeightHook)')
        norms = []
        for name in self.names:
            loss = reduce_loss(losses[name])
            sq = loss.new_zeros((), dtype=torch.float32).detach()
            if loss.requires_grad:
                grads = torch.autograd.grad(
                    loss, self.params, retain_graph=True, allow_unused=True)
                for g in grads:
                    if g is not None:  # None: W does not reach this loss
                        sq = sq + g.detach().float().pow(2).sum()
            norms.append(sq.sqrt())
        return torch.stack(norms)

    def step(self, values: Tensor, norms: Tensor) -> None:
        """One GradNorm update of w from the losses L_i(t) and the gradient
        norms ||grad_W L_i|| (both (n,) float64).

        The first call takes ``values`` as L(0).
        """
        if self.initial is None:
            self.initial = values.clone()
        else:  # a loss that was 0 at t = 0 takes its first positive value
            missing = self.initial <= 0
            self.initial[missing] = values[missing]
        valid = self.initial > 0
        loss_ratios = torch.where(
            valid, values / self.initial.clamp(min=1e-12),
            torch.ones_like(values))  # L~_i
        rates = loss_ratios / loss_ratios.mean()  # r_i
        w = self.w
        grad_norms = w * norms  # G_i (w > 0)
        mean_norm = grad_norms.mean()  # G_bar
        targets = mean_norm * rates**self.alpha  # constants
        w.grad = torch.sign(grad_norms - targets) * norms  # d L_grad / d w
        self.optimizer.step()
        w.grad = None
        with torch.no_grad():
            w.clamp_(min=self.min_weight)
            w.mul_(len(w) / w.sum())
        self.loss_weights = w.tolist()
        self.stats = dict(
            grad_norms=grad_norms,
            mean_grad_norm=mean_norm,
            rates=rates,
            targets=targets,
            loss_grad=(grad_norms - targets).abs().sum())

    # -- resume ---------------------------------------------------------------
    def state_dict(self) -> dict:
        """w, L(0) and the optimizer state (all None before the first
        iteration)."""
        return dict(
            names=self.names,
            weights=None if self.w is None else self.w.clone(),
            initial=None if self.initial is None else self.initial.clone(),
            optimizer=None
            if self.optimizer is None else self.optimizer.state_dict())

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
        if self.names is None and state.get('names') is not None:
            self.names = list(state['names'])
        if state.get('weights') is None:
            return
        weights = state['weights'].to(torch.float64)
        if self.names is not None and len(weights) != len(self.names):
            raise ValueError(f'GradNorm state of {len(weights)} weights for '
                             f'{len(self.names)} losses {self.names}')
        self.loss_weights = weights.tolist()
        self._init_weights(len(weights))
        if state.get('optimizer') is not None:
            self.optimizer.load_state_dict(state['optimizer'])
        initial = state.get('initial')
        self.initial = None if initial is None else initial.clone().double()
