"""The policy network pi of the weight controller and the Eq. 1 state.

Pure PyTorch: no mmengine / mmdet / mmcv import.
"""
from typing import Dict, Optional, Sequence, Union

import torch
from torch import Tensor, nn
from torch.nn import functional as F

ArrayLike = Union[Tensor, Sequence[float]]


def as_vector(values: ArrayLike,
              name: str,
              length: Optional[int] = None) -> Tensor:
    """Convert ``values`` to a finite float64 vector, or raise ValueError.

    Args:
        values (Tensor | Sequence[float]): The values (e.g. a loss vector).
        name (str): Name used in error messages.
        length (int, optional): Required length. Defaults to None (any).

    Returns:
        Tensor: A detached float64 tensor of shape (length, ).
    """
    vec = torch.as_tensor(values, dtype=torch.float64).detach().cpu()
    if vec.dim() != 1 or (length is not None and vec.numel() != length):
        raise ValueError(f'`{name}` must be a vector of length {length}, '
                         f'got shape {tuple(vec.shape)}')
    if not bool(torch.isfinite(vec).all()):
        raise ValueError(f'`{name}` must be finite, got {vec.tolist()}')
    return vec


def normalise_losses(losses: ArrayLike,
                     l_ref: ArrayLike,
                     min_loss: float = 1e-8) -> Tensor:
    """The policy's state: the loss vector in units of a reference loss.

    ``x = max(l, min_loss) / max(l_ref, min_loss)``, and ``x`` is floored at
    ``min_loss`` too. ``l_ref`` is the initial loss l^1 of the same run (the
    pseudo epoch). A loss (or reference) that is zero or negative is clamped
    to ``min_loss`` before dividing, so that ``lambda = pi(x) / x`` is always
    finite (never NaN). The losses themselves must be finite.

    Args:
        losses (Tensor | Sequence[float]): The loss vector l, shape (n, ).
        l_ref (Tensor | Sequence[float]): The reference loss l^1, shape (n, ).
        min_loss (float): The floor of losses and of x. Defaults to 1e-8.

    Returns:
        Tensor: The normalised state x, float64, shape (n, ), no gradient.
    """
    losses = as_vector(losses, 'losses')
    l_ref = as_vector(l_ref, 'l_ref', losses.numel())
    x = losses.clamp(min=min_loss) / l_ref.clamp(min=min_loss)
    return x.clamp(min=min_loss)


#: What pi sees (Eq. 1's state): ``'normalised'``, ``x = l / l_ref``
#: (choice 3 of controller.py), or ``'raw'``, ``x = l`` (the paper).
STATES = ('normalised', 'raw')
#: The equalised start g(l) / l (``equalise``): g the mean or the
#: geometric mean of the losses.
EQUALISERS = ('mean', 'geomean')
def check_eq1(state: str, equalise: Optional[str]) -> None:
    """Raise ValueError naming the setting if ``state`` or ``equalise`` is
    not one of STATES / EQUALISERS (or None)."""
    if state not in STATES:
        raise ValueError(f'`state` must be one of {STATES}, got {state!r}')
    if equalise is not None and equalise not in EQUALISERS:
        raise ValueError(f'`equalise` must be one of {EQUALISERS} or None, '
                         f'got {equalise!r}')


def policy_state(losses: ArrayLike,
                 l_ref: ArrayLike,
                 min_loss: float = 1e-8,
                 state: str = 'normalised') -> Tensor:
    """The x that pi sees: :func:`normalise_losses` (``'normalised'``) or
    the losses themselves floored at ``min_loss`` (``'raw'``)."""
    if state == 'raw':
        return as_vector(losses, 'losses').clamp(min=min_loss)
    return normalise_losses(losses, l_ref, min_loss)


def equalised_start(losses: ArrayLike,
                    equalise: str,
                    min_loss: float = 1e-8) -> Tensor:
    """``g(l) / l``: the weights that make every weighted loss equal to
    g(l), the mean (``'mean'``) or geometric mean (``'geomean'``) of the
    losses (floored at ``min_loss``): the fixed point of IMTL-L and of the
    sum of log-losses, and what the paper's untrained policy gives on raw
    losses (pi^0(l) ~ mean(l))."""
    loss = as_vector(losses, 'losses').clamp(min=min_loss)
    g = loss.mean() if equalise == 'mean' else loss.log().mean().exp()
    return g / loss


def eq1_loss_weights(policy: 'PolicyNetwork',
                     losses: ArrayLike,
                     l_ref: ArrayLike,
                     min_loss: float = 1e-8,
                     state: str = 'normalised',
                     equalise: Optional[str] = None) -> Tensor:
    """Eq. 1, ``lambda = pi(x) / x`` with x the :func:`policy_state`, times
    the :func:`equalised_start` if ``equalise`` (so that with the residual
    output, whose pi^0 gives pi(x) / x = 1, the untrained controller is the
    loss-scale equaliser and learns departures from it). Differentiable
    with respect to pi's parameters.

    Args:
        policy (PolicyNetwork): pi.
        losses (Tensor | Sequence[float]): l, the loss vector.
        l_ref (Tensor | Sequence[float]): l^1 (unused with ``'raw'``).
        min_loss (float): Floor of losses. Defaults to 1e-8.
        state (str): One of STATES. Defaults to 'normalised'.
        equalise (str, optional): One of EQUALISERS. Defaults to None.

    Returns:
        Tensor: lambda, float64, shape (n, ).
    """
    lam = policy.loss_weights(policy_state(losses, l_ref, min_loss, state))
    if equalise is not None:
        lam = lam * equalised_start(losses, equalise, min_loss)
    return lam


OUTPUTS = ('residual', 'exp', 'linear')


class PolicyNetwork(nn.Module):
    """pi: a three-layer MLP ``n -> hidden -> hidden -> n`` (float64).

    ReLU follows the first two layers; z is the output layer's value. How z
    becomes the estimated weighted loss eta (``output``), with x the state:

    - ``'residual'`` (default): ``eta = x * exp(z)``, so ``lambda = pi(x) /
      x = exp(z)``; the output layer starts at zero (weights and bias), so
      the untrained controller pi^0 gives lambda = 1 at EVERY state (the
      Baseline), and what it does later it learned. The paper's init
      (below) is kept for the two hidden layers.
    - ``'exp'``: ``eta = exp(z - 1)`` (mmada <= 0.1 default). With the
      paper's init z = mean(x), so lambda^0 = exp(mean(x) - 1) / x: 1 at
      x = 1, but a loss that grew since l_ref is turned down by the init
      alone.
    - ``'linear'``: ``eta = z``, the paper read literally (lambda can become
      negative; such samples get reward -1). With the paper's Adam (lr 5e-2)
      one update moves every output by ~lr * fan-in ~ 0.8: lambda goes
      negative after a few checkpoints, nearly every Eq. 2 sample does too,
      every member gets -1, and -1 for all carries no gradient signal: the
      controller never recovers (tools/analysis/controller_toy.py).

    ``param_scale`` (c): the network computes with ``c * theta`` where theta
    is what the optimizer sees (and the state dict holds). Adam moves each
    parameter by about lr per step whatever its gradient's scale, so with
    the paper's lr 5e-2 and weights of ~1/16 one step rewrites the hidden
    layers (and moves z by up to ~2.5); with c = 0.1 the same step is that
    of lr 5e-3 in the paper's units (z by <= ~0.25, lambda by <= x1.3),
    while the paper's lr, init and architecture stay as written.

    float64 throughout: the network is tiny and float64 makes the trajectory
    reproducible.

    Initialisation (paper: Normal with mean 1/n_c, bias 0): every weight is
    drawn from ``Normal(1 / in_features, init_std)`` (in the network's
    units, i.e. of ``c * theta``) with a private ``torch.Generator`` seeded
    by ``seed`` (the global RNG is neither used nor advanced), every bias is
    0; with ``output='residual'`` the output layer is 0. ``init_std`` is not
    in the paper: a small std breaks the symmetry between hidden units
    (with std 0 they stay identical forever).

    Args:
        num_losses (int): n, the number of losses.
        hidden (int): Width of the two hidden layers. Defaults to 16.
        init_std (float): Std of the weight initialisation; 0 is allowed
            (tests). Defaults to 0.01.
        seed (int): Seed of the initialisation. Defaults to 0.
        output (str): One of ``OUTPUTS`` (see above).
            Defaults to 'residual'.
        param_scale (float): c above, > 0. Defaults to 0.1.
    """

    def __init__(self,
                 num_losses: int,
                 hidden: int = 16,
                 init_std: float = 0.01,
                 seed: int = 0,
                 output: str = 'residual',
                 param_scale: float = 0.1) -> None:
        super().__init__()
        if output not in OUTPUTS:
            raise ValueError(f'`output` must be one of {OUTPUTS}, got '
                             f'{output!r}')
        if num_losses < 1 or hidden < 1:
            raise ValueError('`num_losses` and `hidden` must be >= 1, got '
                             f'{num_losses} and {hidden}')
        if init_std < 0:
            raise ValueError(f'`init_std` must be >= 0, got {init_std}')
        if not param_scale > 0:
            raise ValueError(f'`param_scale` must be > 0, got {param_scale}')
        self.output, self.param_scale = output, float(param_scale)

        # skip_init: nn.Linear's own init would consume the global RNG.
        def linear(n_in: int, n_out: int) -> nn.Linear:
            return nn.utils.skip_init(nn.Linear,
                                      n_in,
                                      n_out,
                                      dtype=torch.float64)

        self.fc1 = linear(num_losses, hidden)
        self.fc2 = linear(hidden, hidden)
        self.fc3 = linear(hidden, num_losses)
        self.init_weights(init_std, seed)

    @classmethod
    def from_state_dict(cls, state: Dict[str, Tensor],
                        **kwargs) -> 'PolicyNetwork':
        """Build a network whose shapes are read from a state dict;
        ``kwargs``: ``output`` and ``param_scale`` it was made with."""
        hidden, num_losses = state['fc1.weight'].shape
        policy = cls(num_losses, hidden, init_std=0.0, **kwargs)
        policy.load_state_dict(state)
        return policy

    @torch.no_grad()
    def init_weights(self, init_std: float, seed: int) -> None:
        """Weights ~ Normal(1 / in_features, init_std), biases = 0, in the
        network's units (theta = that / param_scale); the output layer is 0
        with the residual output."""
        gen = torch.Generator().manual_seed(seed)
        for layer in (self.fc1, self.fc2, self.fc3):
            noise = torch.randn(layer.weight.shape,
                                generator=gen,
                                dtype=torch.float64)
            layer.weight.copy_(
                (1.0 / layer.in_features + init_std * noise) /
                self.param_scale)
            layer.bias.zero_()
        if self.output == 'residual':
            self.fc3.weight.zero_()

    def forward(self, x: Tensor) -> Tensor:
        """eta = pi(x), the estimated weighted loss, same shape as x."""
        c = self.param_scale
        h = torch.relu(F.linear(x, c * self.fc1.weight, c * self.fc1.bias))
        h = torch.relu(F.linear(h, c * self.fc2.weight, c * self.fc2.bias))
        z = F.linear(h, c * self.fc3.weight, c * self.fc3.bias)
        # exponents clamped: eta stays finite for extreme states (l_ref 0)
        if self.output == 'residual':
            return x * torch.exp(z.clamp(-30.0, 30.0))
        if self.output == 'exp':
            return torch.exp((z - 1.0).clamp(-30.0, 30.0))
        return z

    def loss_weights(self, x: Tensor) -> Tensor:
        """Eq. 1 in normalised units: ``lambda = pi(x) / x``.

        Args:
            x (Tensor): The state from :func:`normalise_losses`.

        Returns:
            Tensor: lambda, same shape as x (differentiable w.r.t. theta).
        """
        return self(x) / x
