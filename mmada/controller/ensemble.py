"""Policy transfer: the policy ensemble (Eq. 7) and the Table 2 modes.

Intervals (the paper's epochs; one epoch by default) are 1-based: the
transfer run's training interval e uses lambda^{e+1}, computed from its loss
l^e (l^1 = the transfer run's own pseudo-interval loss, also its ``l_ref``).
E (intervals) need not equal T (checkpoints): e * T / E is a float. Pure
PyTorch.
"""
from typing import Any, Dict, List, Optional, Sequence, Union

import torch
from torch import Tensor

from .controller import upgrade_controller_state
from .policy import (ArrayLike, PolicyNetwork, as_vector, check_eq1,
                     eq1_loss_weights)

PolicyLike = Union[PolicyNetwork, Dict[str, Tensor]]
MODES = ('comb-dy', 'single-dy', 'pred', 'final', 'untrained')


def _as_network(policy: PolicyLike,
                policy_cfg: Optional[dict]) -> PolicyNetwork:
    if isinstance(policy, PolicyNetwork):
        return policy
    return PolicyNetwork.from_state_dict(policy, **(policy_cfg or {}))


def _check_interval(interval: int, num_intervals: int) -> None:
    if not 1 <= interval <= num_intervals:
        raise ValueError('`interval` must be in [1, num_intervals='
                         f'{num_intervals}], got {interval}')


def ensemble_coefficients(num_checkpoints: int,
                          interval: int,
                          num_intervals: int,
                          gamma: float = 0.9) -> List[float]:
    """Unnormalised Eq. 7 weights ``gamma ** |e * T / E - t|``, t = 1..T."""
    _check_interval(interval, num_intervals)
    if not gamma > 0:
        raise ValueError(f'`gamma` must be > 0, got {gamma}')
    pos = interval * num_checkpoints / num_intervals
    return [gamma**abs(pos - t) for t in range(1, num_checkpoints + 1)]


@torch.no_grad()
def ensemble_weights(policies: Sequence[PolicyLike],
                     losses: ArrayLike,
                     l_ref: ArrayLike,
                     interval: int,
                     num_intervals: int,
                     gamma: float = 0.9,
                     min_loss: float = 1e-8,
                     policy_cfg: Optional[dict] = None,
                     eq1_cfg: Optional[dict] = None) -> Tensor:
    """Eq. 7: ``lambda^{e+1} = (1/Z) sum_t gamma^|eT/E - t| pi^t(x) / x``
    (each term Eq. 1 as the controller computes it: its state and, with
    ``equalise``, times ``g(l) / l``).

    Args:
        policies (Sequence[PolicyNetwork | dict]): [pi^1, ..., pi^T], as
            networks or state dicts (``WeightController.policies``).
        losses (Tensor | Sequence[float]): l^e of the transfer run.
        l_ref (Tensor | Sequence[float]): l^1 of the transfer run.
        interval (int): e, 1-based.
        num_intervals (int): E.
        gamma (float): Discount factor. Defaults to 0.9.
        min_loss (float): Floor of losses (see ``normalise_losses``).
            Defaults to 1e-8.
        policy_cfg (dict, optional): ``output`` and ``param_scale`` of pi,
            to build state dicts (from the controller's hparams). Defaults to
            PolicyNetwork's.
        eq1_cfg (dict, optional): ``state`` and ``equalise`` of the
            controller (from its hparams). Defaults to the
            normalised state without equalising.

    Returns:
        Tensor: lambda^{e+1}, float64, shape (n, ).
    """
    if not policies:
        raise ValueError('`policies` is empty: no snapshot pi^t was saved')
    coefs = ensemble_coefficients(len(policies), interval, num_intervals,
                                  gamma)
    lam = sum(c * eq1_loss_weights(_as_network(p, policy_cfg), losses, l_ref,
                                   min_loss, **(eq1_cfg or {}))
              for c, p in zip(coefs, policies))
    return lam / sum(coefs)


class PolicyEnsemble:
    """Loss weights of a transfer run from a trained controller's file.

    Modes (paper, Table 2): ``'comb-dy'`` Eq. 7 over pi^1..pi^T (default);
    ``'single-dy'`` pi^T alone at every interval; ``'pred'`` static, pi^T
    evaluated once at the initial state l^1 (x = ones when normalised),
    the first time weights are asked for; ``'final'``
    static, lambda_best^T (the weights the best member trained with in the
    last exploration interval, ``best_loss_weights`` in the file);
    ``'untrained'`` Eq. 7 with every pi^t replaced by pi^0, the controller
    before its first update (the ablation that separates what the controller
    learned from what Eq. 1's ``pi(x) / x`` gives by itself; rebuilt by
    ``from_state_dict`` from the file's hyper-parameters and seed. With the
    residual output pi^0 gives lambda = 1: the Baseline; with ``equalise``
    the equaliser g(l) / l; with the paper's raw state and init about
    mean(l) / l).

    Args:
        policies (Sequence[PolicyNetwork | dict]): [pi^1, ..., pi^T].
        mode (str): One of ``MODES``. Defaults to 'comb-dy'.
        gamma (float): Discount factor of Eq. 7. Defaults to 0.9.
        best_loss_weights (Tensor, optional): lambda_best^T, needed by
            'final'.
        min_loss (float): Floor of losses. Defaults to 1e-8.
        policy_cfg (dict, optional): ``output`` and ``param_scale`` of pi,
            to build state dicts. Defaults to PolicyNetwork's.
        eq1_cfg (dict, optional): ``state`` and ``equalise`` (see
            :func:`ensemble_weights`).
    """

    def __init__(self,
                 policies: Sequence[PolicyLike],
                 mode: str = 'comb-dy',
                 gamma: float = 0.9,
                 best_loss_weights: Optional[ArrayLike] = None,
                 min_loss: float = 1e-8,
                 policy_cfg: Optional[dict] = None,
                 eq1_cfg: Optional[dict] = None) -> None:
        if mode not in MODES:
            raise ValueError(f'`mode` must be one of {MODES}, got {mode!r}')
        if not policies:
            raise ValueError('`policies` is empty: no snapshot pi^t was saved')
        if mode == 'final' and best_loss_weights is None:
            raise ValueError("mode 'final' needs `best_loss_weights` "
                             '(lambda_best^T), absent from the controller '
                             'state')
        self.eq1 = {'state': 'normalised', 'equalise': None, **(eq1_cfg or {})}
        check_eq1(**self.eq1)
        self.mode, self.gamma, self.min_loss = mode, gamma, min_loss
        self.policies = [_as_network(p, policy_cfg) for p in policies]
        self._static = {}
        if best_loss_weights is not None:
            self._static['final'] = as_vector(best_loss_weights,
                                              'best_loss_weights')

    @classmethod
    def from_state_dict(
            cls,
            state: Dict[str, Any],
            mode: str = 'comb-dy',
            gamma: float = 0.9,
            loss_names: Optional[Sequence[str]] = None) -> 'PolicyEnsemble':
        """Build from ``WeightController.state_dict()`` (a saved file).

        Args:
            state (dict): The controller state.
            mode (str): See the class docstring. Defaults to 'comb-dy'.
            gamma (float): Discount factor. Defaults to 0.9.
            loss_names (Sequence[str], optional): If given, the losses of the
                transfer model; must equal the file's ``loss_names``.
        """
        if loss_names is not None and list(loss_names) != list(
                state['loss_names']):
            raise ValueError(
                f'The controller state was made for the losses '
                f'{list(state["loss_names"])}, got {list(loss_names)}')
        state = upgrade_controller_state(state)
        hparams = state['hparams']
        policy_cfg = {k: hparams[k] for k in ('output', 'param_scale')}
        policies = state['snapshots']
        if mode == 'untrained':  # pi^0 at every t: the init, rebuilt
            initial = PolicyNetwork(hparams['num_losses'], hparams['hidden'],
                                    hparams['init_std'], hparams['seed'],
                                    **policy_cfg)
            policies = [initial] * len(policies)
        eq1_cfg = {k: hparams[k] for k in ('state', 'equalise')}
        return cls(policies, mode, gamma, state.get('best_loss_weights'),
                   hparams['min_loss'], policy_cfg, eq1_cfg)

    @property
    def is_dynamic(self) -> bool:
        """Whether the weights depend on the losses (not 'pred'/'final')."""
        return self.mode in ('comb-dy', 'single-dy', 'untrained')

    @torch.no_grad()
    def loss_weights(self, losses: Optional[ArrayLike],
                     l_ref: Optional[ArrayLike], interval: int,
                     num_intervals: int) -> Tensor:
        """lambda^{e+1} for interval e (losses unused by static modes;
        'pred' needs l_ref the first time).

        Args:
            losses (Tensor | Sequence[float], optional): l^e.
            l_ref (Tensor | Sequence[float], optional): l^1.
            interval (int): e, 1-based.
            num_intervals (int): E.

        Returns:
            Tensor: lambda^{e+1}, float64, shape (n, ).
        """
        _check_interval(interval, num_intervals)
        if self.mode in ('comb-dy', 'untrained'):
            return ensemble_weights(self.policies, losses, l_ref, interval,
                                    num_intervals, self.gamma, self.min_loss,
                                    eq1_cfg=self.eq1)
        if self.mode == 'single-dy':
            return eq1_loss_weights(self.policies[-1], losses, l_ref,
                                    self.min_loss, **self.eq1)
        if self.mode == 'pred' and 'pred' not in self._static:
            if l_ref is None:
                raise ValueError("mode 'pred' needs `l_ref` (l^1) the first "
                                 'time')
            self._static['pred'] = eq1_loss_weights(
                self.policies[-1], l_ref, l_ref, self.min_loss, **self.eq1)
        return self._static[self.mode].clone()
