"""The policy network pi of the weight controller and the Eq. 1 state.

Pure PyTorch: no mmengine / mmdet / mmcv import.
"""
from typing import Dict, Optional, Sequence, Union

import torch
from torch import Tensor, nn

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


OUTPUTS = ('exp', 'linear')


class PolicyNetwork(nn.Module):
    """pi: a three-layer MLP ``n -> hidden -> hidden -> n`` (float64).

    ReLU follows the first two layers. The output layer's pre-activation z
    becomes eta by ``output``:

    - ``'exp'`` (default): ``eta = exp(z - 1)``, always positive. With the
      paper's init z = mean(x) = 1 at x = 1, so lambda^1 = 1 as with a
      linear output (z - 1 is clamped to [-30, 30]: eta stays finite). Why not linear: with the paper's Adam (lr 5e-2) one
      update moves every output by ~lr * fan-in ~ 0.8, so a linear eta goes
      negative after a few checkpoints; once lambda has a negative entry
      nearly every Eq. 2 sample does too, every member gets -1, and -1 for
      all carries no gradient signal: the controller never recovers
      (measured: tools/analysis/controller_toy.py).
    - ``'linear'``: ``eta = z``, the paper read literally (lambda can become
      negative; such samples get reward -1).

    float64 throughout: the network is tiny and float64 makes the trajectory
    reproducible.

    Initialisation (paper: Normal with mean 1/n_c, bias 0): every weight is
    drawn from ``Normal(1 / in_features, init_std)`` with a private
    ``torch.Generator`` seeded by ``seed`` (the global RNG is neither used
    nor advanced), every bias is 0. ``init_std`` is not in the paper: a
    small std breaks the symmetry between hidden units (with std 0 they stay
    identical forever) while keeping the first lambda near 1.

    Args:
        num_losses (int): n, the number of losses.
        hidden (int): Width of the two hidden layers. Defaults to 16.
        init_std (float): Std of the weight initialisation; 0 is allowed
            (tests). Defaults to 0.01.
        seed (int): Seed of the initialisation. Defaults to 0.
        output (str): ``'exp'`` or ``'linear'`` (see above).
            Defaults to 'exp'.
    """

    def __init__(self,
                 num_losses: int,
                 hidden: int = 16,
                 init_std: float = 0.01,
                 seed: int = 0,
                 output: str = 'exp') -> None:
        super().__init__()
        if output not in OUTPUTS:
            raise ValueError(f'`output` must be one of {OUTPUTS}, got '
                             f'{output!r}')
        self.output = output
        if num_losses < 1 or hidden < 1:
            raise ValueError('`num_losses` and `hidden` must be >= 1, got '
                             f'{num_losses} and {hidden}')
        if init_std < 0:
            raise ValueError(f'`init_std` must be >= 0, got {init_std}')
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
    def from_state_dict(cls,
                        state: Dict[str, Tensor],
                        output: str = 'exp') -> 'PolicyNetwork':
        """Build a network whose shapes are read from a state dict."""
        hidden, num_losses = state['fc1.weight'].shape
        policy = cls(num_losses, hidden, init_std=0.0, output=output)
        policy.load_state_dict(state)
        return policy

    @torch.no_grad()
    def init_weights(self, init_std: float, seed: int) -> None:
        """Weights ~ Normal(1 / in_features, init_std), biases = 0."""
        gen = torch.Generator().manual_seed(seed)
        for layer in (self.fc1, self.fc2, self.fc3):
            noise = torch.randn(layer.weight.shape,
                                generator=gen,
                                dtype=torch.float64)
            layer.weight.copy_(1.0 / layer.in_features + init_std * noise)
            layer.bias.zero_()

    def forward(self, x: Tensor) -> Tensor:
        """eta = pi(x), the estimated weighted loss, same shape as x."""
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        z = self.fc3(x)
        if self.output == 'linear':
            return z
        # clamped so that eta stays finite for extreme states (a zero l_ref)
        return torch.exp((z - 1.0).clamp(-30.0, 30.0))

    def weights(self, x: Tensor) -> Tensor:
        """Eq. 1 in normalised units: ``lambda = pi(x) / x``.

        Args:
            x (Tensor): The state from :func:`normalise_losses`.

        Returns:
            Tensor: lambda, same shape as x (differentiable w.r.t. theta).
        """
        return self(x) / x
