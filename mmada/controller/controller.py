"""The Ada-Segment weight controller (Eqs. 1, 2 and 6). Pure PyTorch.

The runner drives it at every checkpoint t = 1..T (Algorithm 1)::

    lam = ctrl.loss_weights(l_best, l_ref)               # Eq. 1
    samples = ctrl.sample(lam, m, checkpoint=t)          # Eq. 2
    valid = ctrl.is_valid(samples)   # invalid members are not trained
    ...train the valid members, evaluate v...
    r = ada_segment_rewards(v, v_best_prev, t, T, valid)  # Eqs. 3-5
    ctrl.update(l_best, l_ref, samples, r)               # Eq. 6
    ctrl.snapshot()                                      # pi^t

lambda_best^T (for the transfer mode 'final') is the exploration's, not the
controller's: the runner adds it to ``controller.pth`` as
``best_loss_weights``. A saved file of any mmada version is read through
:func:`upgrade_controller_state`.

Choices the paper leaves open:

1. pi is an MLP ``n -> 16 -> 16 -> n``, ReLU after the first two layers,
   float64; its output is residual, ``eta = x * exp(z)`` (lambda = exp(z)
   > 0, and 1 at every state before any update) rather than linear, which
   the paper's Adam step drives negative where every sample is invalid and
   learning stops; the network computes with ``param_scale`` (0.1) times
   its parameters, so one Adam step at the paper's lr 5e-2 is a bounded
   change of lambda (see PolicyNetwork; ``output='linear', param_scale=1``
   is the literal reading, ``PAPER_CONTROLLER``).
2. Init: weights ~ Normal(1 / in_features, ``init_std`` = 0.01), biases 0,
   drawn from a private generator seeded by ``seed``; the residual
   output's last layer starts at 0.
3. State normalisation: pi sees ``x = l / l_ref`` (``l_ref`` = the initial
   loss l^1 of the same run) and ``lambda = pi(x) / x``: Eq. 1 with a
   policy ``pi'(l) = l_ref * pi(l / l_ref)``. With the paper's init a layer
   outputs the mean of its input, so on raw losses (which span orders of
   magnitude) the paper's pi^0 gives lambda_i ~ mean(l) / l_i: every
   weighted loss starts at the mean loss, a loss-scale equaliser;
   normalised, with the residual output, lambda^0 = 1 (the Baseline) and
   the state is scale-free across datasets (transfer). Both starts are
   settings: ``state='raw'`` is the paper's state (``PAPER_CONTROLLER``),
   and ``equalise='mean'`` (or ``'geomean'``) multiplies the normalised
   controller's lambda by ``g(l) / l`` (``EQUALISED_CONTROLLER``): the
   equaliser's start with a scale-free learned part ``exp(z(l / l_ref))``
   on top, 1 before any update.
4. Losses must be finite; a loss or ``l_ref`` entry <= 0 is clamped to
   ``min_loss`` (1e-8) before dividing, so lambda is always finite.
5. Eq. 2 draws ``N(lambda, sigma^2 I)`` from a generator seeded with
   ``seed * 1_000_003 + checkpoint``: every process gets the same samples.
   A sample with any negative entry is invalid (reward -1, not trained).
   ``sampling='log'`` draws ``lambda * exp(sigma eps)`` instead (log
   lam_hat ~ N(log lambda, sigma^2 I)): never invalid, and the same
   relative spread at every lambda. With the paper's linear sampling the
   spread of log lam_hat is ~sigma / lambda, so the policy mean that
   maximises the expected reward is not lam*: on the known-optimum toy
   (tools/analysis/controller_toy.py) it sits 0.13 rms above lam* in
   log(lambda), which is where the default's distance stops falling.
6. Eq. 6: one Adam step (L2 ``weight_decay`` of torch.optim.Adam) on
   ``-J``, ``J = mean_j r_j log s(lam_hat_j; pi(x) / x, sigma)``, x held
   constant, sigma fixed; invalid members' -1 rewards are included.
   Options: Adam's ``betas`` (beta1 0.9 averages the gradients of about
   all T = 12 checkpoints: lambda keeps moving in an old direction) and
   an ``lr_schedule`` over the updates.
7. ``snapshot()`` after the update at checkpoint t stores pi^t.

``PAPER_CONTROLLER`` is the literal reading (raw state, linear output and
sampling, the init above in the paper's units, Adam's default betas). The defaults since mmada 0.3 are log sampling and
beta1 0.7 (``LOG_SAMPLING_CONTROLLER``); ``LINEAR_SAMPLING_CONTROLLER``
gives mmada 0.2's (linear sampling, beta1 0.9).
"""
import copy
import math
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from torch import Tensor

from .policy import (ArrayLike, PolicyNetwork, as_vector, check_eq1,
                     eq1_loss_weights, policy_state)

_HPARAMS = ('num_losses', 'hidden', 'sigma', 'lr', 'weight_decay', 'init_std',
            'seed', 'min_loss', 'output', 'param_scale', 'sampling',
            'lr_schedule', 'betas', 'state', 'equalise')
SAMPLINGS = ('linear', 'log')
LR_SCHEDULES = ('constant', 'inv_sqrt', 'inv')
# what controller files written before an option existed were made with:
# the behaviour of the mmada version that wrote them (read by
# upgrade_controller_state, the one place for old files)
OLD_FILE_DEFAULTS = dict(output='exp', param_scale=1.0,  # mmada <= 0.1
                         sampling='linear', lr_schedule='constant',
                         betas=[0.9, 0.999],  # mmada <= 0.2
                         state='normalised', equalise=None)  # mmada <= 0.3
# the paper's controller read literally (with PAPER_REWARD of rewards.py)
PAPER_CONTROLLER = dict(state='raw', output='linear', param_scale=1.0,
                        sampling='linear', betas=(0.9, 0.999))
# choice 3's scale-free state with the paper's equalised start: lambda =
# (mean(l) / l) * exp(z(l / l_ref)), the untrained controller being the
# loss-scale equaliser (configs/ada_segment/README.md, "Equalised start")
EQUALISED_CONTROLLER = dict(equalise='mean')
# Eq. 2 in log space and Adam with less momentum: within 1.5x of the toy's
# reference at both noise levels, and chosen on the proxy val split; the
# defaults since mmada 0.3 (configs/ada_segment/README.md, "Controller
# defaults")
LOG_SAMPLING_CONTROLLER = dict(sampling='log', betas=(0.7, 0.999))
# mmada 0.2's defaults
LINEAR_SAMPLING_CONTROLLER = dict(sampling='linear', betas=(0.9, 0.999))


class WeightController:
    """The policy pi, its Eq. 2 sampler and its REINFORCE update (Eq. 6).

    Args:
        loss_names (Sequence[str]): Names of the n losses, in the order of
            every loss / weight vector; saved to refuse a foreign file.
        hidden (int): Hidden width of pi. Defaults to 16.
        sigma (float): Sampling std of Eq. 2, > 0. Defaults to 0.2.
        lr (float): Adam learning rate. Defaults to 5e-2.
        weight_decay (float): Adam (L2) weight decay. Defaults to 5e-4.
        init_std (float): Std of the weight init. Defaults to 0.01.
        seed (int): Seed of the init and of the samples. Defaults to 0.
        min_loss (float): Floor of losses before dividing. Defaults to 1e-8.
        output (str): pi's output, 'residual', 'exp' or 'linear' (see
            PolicyNetwork). Defaults to 'residual'.
        param_scale (float): pi computes with param_scale x its parameters
            (see PolicyNetwork). Defaults to 0.1.
        sampling (str): Eq. 2's distribution: ``'linear'``, ``lam_hat =
            lam + sigma eps`` (the paper's ``N(lam, sigma^2 I)``), or
            ``'log'``, ``lam_hat = lam * exp(sigma eps)`` (``log lam_hat ~
            N(log lam, sigma^2 I)``: always > 0, never invalid; the same
            relative spread at every lam; needs a positive output).
            Defaults to 'log'.
        lr_schedule (str): Adam's lr at the k-th update (k = 1, 2, ...):
            ``'constant'`` lr, ``'inv_sqrt'`` lr / sqrt(k), ``'inv'`` lr / k.
            Defaults to 'constant'.
        betas (Sequence[float]): Adam's (beta1, beta2); beta1 = 0 is Adam
            without momentum. Defaults to (0.7, 0.999).
        state (str): What pi sees: ``'normalised'``, ``x = l / l_ref``
            (choice 3), or ``'raw'``, ``x = l`` (the paper's Eq. 1).
            Defaults to 'normalised'.
        equalise (str, optional): ``'mean'`` or ``'geomean'``: lambda is
            multiplied by ``g(l) / l`` (g that mean of the losses), so that
            the untrained residual controller equalises the loss scales
            and the policy learns departures from that (choice 3). Defaults
            to None (lambda^0 = 1, the Baseline).
    """

    def __init__(self,
                 loss_names: Sequence[str],
                 hidden: int = 16,
                 sigma: float = 0.2,
                 lr: float = 5e-2,
                 weight_decay: float = 5e-4,
                 init_std: float = 0.01,
                 seed: int = 0,
                 min_loss: float = 1e-8,
                 output: str = 'residual',
                 param_scale: float = 0.1,
                 sampling: str = 'log',
                 lr_schedule: str = 'constant',
                 betas: Sequence[float] = (0.7, 0.999),
                 state: str = 'normalised',
                 equalise: Optional[str] = None) -> None:
        check_eq1(state, equalise)
        if not sigma > 0:
            raise ValueError(f'`sigma` must be > 0, got {sigma}')
        if not min_loss > 0:
            raise ValueError(f'`min_loss` must be > 0, got {min_loss}')
        if sampling not in SAMPLINGS:
            raise ValueError(f'`sampling` must be one of {SAMPLINGS}, got '
                             f'{sampling!r}')
        if sampling == 'log' and output == 'linear':
            raise ValueError("`sampling='log'` (the default) needs a positive "
                             "policy output ('residual' or 'exp'), got "
                             "'linear'; the paper's reading is output="
                             "'linear' with sampling='linear'")
        if lr_schedule not in LR_SCHEDULES:
            raise ValueError(f'`lr_schedule` must be one of {LR_SCHEDULES}, '
                             f'got {lr_schedule!r}')
        betas = [float(b) for b in betas]
        if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
            raise ValueError(f'`betas` must be two numbers in [0, 1), got '
                             f'{betas}')
        self.loss_names = [str(name) for name in loss_names]
        self.hparams = dict(num_losses=len(self.loss_names),
                            hidden=int(hidden),
                            sigma=float(sigma),
                            lr=float(lr),
                            weight_decay=float(weight_decay),
                            init_std=float(init_std),
                            seed=int(seed),
                            min_loss=float(min_loss),
                            output=str(output),
                            param_scale=float(param_scale),
                            sampling=str(sampling),
                            lr_schedule=str(lr_schedule),
                            betas=betas,
                            state=str(state),
                            equalise=equalise)
        self.eq1 = dict(state=state, equalise=equalise)
        self.num_losses, self.sigma = len(self.loss_names), float(sigma)
        self.seed, self.min_loss = int(seed), float(min_loss)
        self.sampling, self.lr, self.lr_schedule = sampling, lr, lr_schedule
        self.policy = PolicyNetwork(self.num_losses, hidden, init_std, seed,
                                    output, param_scale)
        self.optimizer = torch.optim.Adam(self.policy.parameters(),
                                          lr=lr,
                                          betas=tuple(betas),
                                          weight_decay=weight_decay)
        self._snapshots: List[Dict[str, Tensor]] = []

    @classmethod
    def from_state_dict(cls, state: Dict[str, Any]) -> 'WeightController':
        """Build a controller from :meth:`state_dict` (hparams included)."""
        state = upgrade_controller_state(state)
        hparams = dict(state['hparams'])
        hparams.pop('num_losses')
        controller = cls(state['loss_names'], **hparams)
        controller.load_state_dict(state)
        return controller

    def policy_state(self, losses: ArrayLike, l_ref: ArrayLike) -> Tensor:
        """What pi sees: ``x = l / l_ref`` or ``l`` (``state``; choices 3
        and 4)."""
        as_vector(losses, 'losses', self.num_losses)
        return policy_state(losses, l_ref, self.min_loss, self.eq1['state'])

    def mean_loss_weights(self, losses: ArrayLike,
                          l_ref: ArrayLike) -> Tensor:
        """Eq. 1 with gradient: ``pi(x) / x``, times ``g(l) / l`` with
        ``equalise`` (the mean of Eq. 2)."""
        as_vector(losses, 'losses', self.num_losses)
        return eq1_loss_weights(self.policy, losses, l_ref, self.min_loss,
                                **self.eq1)

    @torch.no_grad()
    def loss_weights(self, losses: ArrayLike, l_ref: ArrayLike) -> Tensor:
        """Eq. 1: lambda^{t+1} from the loss l^t, shape (n, ), float64."""
        return self.mean_loss_weights(losses, l_ref)

    def sample(self, lam: ArrayLike, num_samples: int,
               checkpoint: int) -> Tensor:
        """Eq. 2: m candidates ~ N(lam, sigma^2 I), shape (m, n), float64
        (``sampling='log'``: ``lam * exp(sigma eps)``, eps ~ N(0, I)).

        Drawn from a private generator seeded with
        ``seed * 1_000_003 + checkpoint``: the samples depend only on
        (seed, checkpoint, lam, num_samples), not on the global RNG, so
        every process that calls this with the same arguments gets them.

        Args:
            lam (Tensor | Sequence[float]): The mean lambda^{t+1}, (n, ).
            num_samples (int): m, the population size.
            checkpoint (int): t, 1-based.

        Returns:
            Tensor: The candidates lam_hat, shape (m, n), float64.
        """
        lam = as_vector(lam, 'lam', self.num_losses)
        if num_samples < 1:
            raise ValueError(f'`num_samples` must be >= 1, got {num_samples}')
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 +
                                            int(checkpoint))
        noise = torch.randn((num_samples, self.num_losses),
                            generator=gen,
                            dtype=torch.float64)
        if self.sampling == 'log':
            return lam * torch.exp(self.sigma * noise)
        return lam + self.sigma * noise

    @staticmethod
    def is_valid(samples: Tensor) -> Tensor:
        """Bool mask (m, ): False if any entry of a sample is negative (< 0).

        Invalid members are not trained (by the runner) and get reward -1.
        """
        return (torch.as_tensor(samples) >= 0).all(dim=-1)

    def log_density(self, losses: ArrayLike, l_ref: ArrayLike,
                    samples: Tensor) -> Tensor:
        """log s(lam_hat_j; pi(x) / x, sigma) per sample, differentiable.

        ``sampling='log'``: the log-normal density, ``z = (log lam_hat -
        log mu) / sigma`` and the Jacobian ``-log lam_hat`` (constant in
        theta: the gradient is that of the Gaussian of log lam_hat).

        Args:
            losses (Tensor | Sequence[float]): l^t (held constant).
            l_ref (Tensor | Sequence[float]): The reference loss l^1.
            samples (Tensor): The candidates lam_hat, shape (m, n).

        Returns:
            Tensor: Shape (m, ), summed over the n independent losses.
        """
        mu = self.mean_loss_weights(losses, l_ref)
        samples = torch.as_tensor(samples, dtype=torch.float64)
        log_norm = math.log(self.sigma) + 0.5 * math.log(2 * math.pi)
        if self.sampling == 'log':
            log_samples = samples.log()
            z = (log_samples - mu.log()) / self.sigma
            return (-0.5 * z.pow(2) - log_norm - log_samples).sum(dim=-1)
        z = (samples - mu) / self.sigma
        return (-0.5 * z.pow(2) - log_norm).sum(dim=-1)

    def update(self,
               losses: ArrayLike,
               l_ref: ArrayLike,
               samples: Tensor,
               rewards: ArrayLike,
               valid: Optional[ArrayLike] = None,
               sample_losses: Optional[ArrayLike] = None) -> Dict[str, Any]:
        """Eq. 6: one Adam step maximising ``J = mean_j r_j log s_j``.

        ``s_j = prod_i N(lam_hat_ji; mu_i, sigma)`` with ``mu = pi(x) / x``;
        the state x is held constant (no gradient through it) and sigma is
        fixed (not learned). The step minimises -J with torch.optim.Adam,
        whose ``weight_decay`` is an L2 term added to the gradient.

        Args:
            losses (Tensor | Sequence[float]): l^t the samples came from.
            l_ref (Tensor | Sequence[float]): The reference loss l^1.
            samples (Tensor): The candidates lam_hat, shape (m, n).
            rewards (Tensor | Sequence[float]): r, shape (m, ); -1 for
                invalid members (included in the mean).
            valid (Sequence[bool], optional): The members whose reward came
                from their PQ (for the diagnostics' centring). Defaults to
                all.
            sample_losses (array, optional): Shape (m, n): the state each
                sample was drawn at, when they differ (a long-horizon
                group's samples come from its window's start,
                ``train_cfg.long_horizon``); ``log s_j`` is then taken at
                row j. Defaults to ``losses`` for every sample.

        Returns:
            dict: ``objective`` (J before the step), ``grad_norm`` (of -J,
            before weight decay), ``mean_reward`` and the learning
            diagnostics of :func:`learning_diagnostics`.
        """
        rewards = as_vector(rewards, 'rewards', len(samples))
        valid = torch.ones(len(samples), dtype=torch.bool) if valid is None \
            else torch.as_tensor(valid, dtype=torch.bool).reshape(-1)
        if sample_losses is None:
            log_s = self.log_density(losses, l_ref, samples)
        else:
            rows = torch.as_tensor(np.asarray(sample_losses),
                                   dtype=torch.float64)
            if rows.shape != (len(samples), self.num_losses):
                raise ValueError(
                    f'`sample_losses` must have shape ({len(samples)}, '
                    f'{self.num_losses}), got {tuple(rows.shape)}')
            log_s = torch.cat([
                self.log_density(row, l_ref, samples[j:j + 1])
                for j, row in enumerate(rows)
            ])
        objective = (rewards * log_s).mean()
        params = list(self.policy.parameters())
        grads = torch.autograd.grad(-objective, params, retain_graph=True)
        centred = rewards.clone()
        if valid.any():
            centred[valid] -= rewards[valid].mean()
        grads_c = torch.autograd.grad(-(centred * log_s).mean(), params)
        loss_weights_before = self.loss_weights(losses, l_ref)
        self.optimizer.zero_grad()
        for p, g in zip(params, grads):
            p.grad = g.clone()
        for group in self.optimizer.param_groups:
            group['lr'] = self.scheduled_lr(self.num_updates + 1)
        self.optimizer.step()
        loss_weights_after = self.loss_weights(losses, l_ref)
        g, g_c = _flat(grads), _flat(grads_c)
        return dict(objective=float(objective.detach()),
                    grad_norm=float(g.norm()),
                    mean_reward=float(rewards.mean()),
                    **learning_diagnostics(g, g_c, loss_weights_before,
                                           loss_weights_after))

    @property
    def num_updates(self) -> int:
        """How many Eq. 6 steps were taken (Adam's step count)."""
        state = self.optimizer.state.get(next(self.policy.parameters()), {})
        return int(state.get('step', 0))

    def scheduled_lr(self, k: int) -> float:
        """Adam's lr at the k-th update (``lr_schedule``), k >= 1."""
        if self.lr_schedule == 'inv_sqrt':
            return self.lr / math.sqrt(k)
        if self.lr_schedule == 'inv':
            return self.lr / k
        return self.lr

    def snapshot(self) -> int:
        """Store a copy of pi as pi^t; returns t (1-based)."""
        self._snapshots.append(copy.deepcopy(self.policy.state_dict()))
        return len(self._snapshots)

    @property
    def policies(self) -> List[Dict[str, Tensor]]:
        """The snapshots [pi^1, ..., pi^t] (state dicts of pi)."""
        return self._snapshots

    def state_dict(self) -> Dict[str, Any]:
        """Everything needed to resume exactly.

        Keys: ``loss_names``, ``hparams`` (num_losses, hidden, sigma, lr,
        weight_decay, init_std, seed, min_loss, output, param_scale,
        sampling, lr_schedule, betas, state, equalise), ``policy``, ``optimizer`` (Adam's
        state) and ``snapshots`` (pi^1..pi^t). Only tensors, containers and scalars (Adam's
        own state adds a tuple and None): loadable with
        ``torch.load(weights_only=True)``.
        """
        state = dict(loss_names=list(self.loss_names),
                     hparams=dict(self.hparams),
                     policy=copy.deepcopy(self.policy.state_dict()),
                     optimizer=copy.deepcopy(self.optimizer.state_dict()),
                     snapshots=copy.deepcopy(self._snapshots))
        return state

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        """Restore :meth:`state_dict` (a ``controller.pth``'s
        ``best_loss_weights`` is not the controller's: ignored).

        Raises:
            ValueError: If the state was made for other ``loss_names`` (both
                lists are named) or with other hyper-parameters.
        """
        if list(state['loss_names']) != self.loss_names:
            raise ValueError(
                'The controller state was made for the losses '
                f'{list(state["loss_names"])}, this controller has '
                f'{self.loss_names}')
        saved = upgrade_controller_state(state)['hparams']
        diff = {
            k: (saved.get(k), self.hparams[k])
            for k in _HPARAMS if saved.get(k) != self.hparams[k]
        }
        if diff:
            raise ValueError('Hyper-parameters differ (saved, current): '
                             f'{diff}')
        self.policy.load_state_dict(state['policy'])
        self.optimizer.load_state_dict(state['optimizer'])
        self._snapshots = copy.deepcopy(list(state['snapshots']))


def upgrade_controller_state(state: Dict[str, Any]) -> Dict[str, Any]:
    """A saved controller state (``state_dict()`` or a ``controller.pth``) of
    any mmada version in today's format: every hparam present (what older
    files lack filled in with OLD_FILE_DEFAULTS, the behaviour they were
    made with; betas as a list of floats) and lambda_best^T under
    ``best_loss_weights`` (mmada <= 0.2 wrote ``best_weights``). Returns a
    new dict; ``state`` is not changed."""
    state = dict(state)
    hparams = dict(OLD_FILE_DEFAULTS, **state['hparams'])
    hparams['betas'] = [float(b) for b in hparams['betas']]
    state['hparams'] = hparams
    old_best = state.pop('best_weights', None)
    if state.get('best_loss_weights') is None and old_best is not None:
        state['best_loss_weights'] = old_best
    return state


def _flat(tensors: Sequence[Tensor]) -> Tensor:
    return torch.cat([t.reshape(-1) for t in tensors])


def log_weights(lam: ArrayLike, floor: float = 1e-6) -> Tensor:
    """log lambda, with lambda floored at ``floor`` (a linear output can
    make it <= 0): the unit in which the diagnostics measure moves."""
    return torch.as_tensor(lam, dtype=torch.float64).clamp(min=floor).log()


def rms(values: Tensor) -> float:
    return float(values.pow(2).mean().sqrt())


def learning_diagnostics(grad: Tensor, grad_centred: Tensor,
                         loss_weights_before: Tensor,
                         loss_weights_after: Tensor) -> Dict[str, Any]:
    """Does an Eq. 6 step carry signal, and how far did it move lambda?

    Args:
        grad (Tensor): The flat gradient of -J with the rewards used.
        grad_centred (Tensor): The same with the valid members' rewards
            centred (their mean subtracted): what is left without the
            common offset, whose expected gradient is 0.
        loss_weights_before (Tensor): lambda of the policy before the step,
            at the state of this checkpoint.
        loss_weights_after (Tensor): lambda of the updated policy at the
            same state.

    Returns:
        dict: ``grad_norm_centred``; ``grad_cosine_centred``, the cosine of
        the two gradients (1: the offset adds nothing; ~0: the step is
        mostly the offset's noise); ``offset_share``, ``|grad -
        grad_centred| / |grad|``; ``policy_move``, ``rms_i(log
        loss_weights_after_i - log loss_weights_before_i)`` (the change of
        lambda due to learning alone); ``loss_weights_after``.
    """
    norm, norm_c = float(grad.norm()), float(grad_centred.norm())
    cosine = float(grad @ grad_centred) / (norm * norm_c) \
        if norm > 0 and norm_c > 0 else float('nan')
    share = float((grad - grad_centred).norm()) / norm if norm > 0 else 0.0
    return dict(grad_norm_centred=norm_c,
                grad_cosine_centred=cosine,
                offset_share=share,
                policy_move=rms(log_weights(loss_weights_after) -
                                log_weights(loss_weights_before)),
                loss_weights_after=[float(v) for v in loss_weights_after])
