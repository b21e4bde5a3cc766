"""Homoscedastic uncertainty weighting (Kendall, Gal & Cipolla, CVPR 2018).

"Multi-task learning using uncertainty to weigh losses for scene geometry and
semantics": every weighted loss L_i gets a learned log-variance
s_i = log sigma_i^2 and the objective is

    f(L, s) = sum_i 1/2 exp(-s_i) L_i + 1/2 s_i,

i.e. loss weights lambda_i = df/dL_i = 1/2 exp(-s_i), learned jointly with
the network (at the optimum s_i = log L_i, lambda_i = 1 / (2 L_i)).

This is torchjd's ``torchjd.scalarization.UW`` (the objective above, s from
0) run by :class:`~mmada.baselines.ScalarizerWeighting`; mmada has no
implementation of its own since 0.3.
"""
from typing import Optional, Sequence

from mmdet.registry import MODELS

from .scalarizer import ScalarizerWeighting


@MODELS.register_module()
class UncertaintyWeighting(ScalarizerWeighting):
    """Loss weights lambda_i = 1/2 exp(-s_i) with learned log-variances s:
    ``ScalarizerWeighting(scalarizer=dict(type='UW'))``.

    Per training iteration, with L the iteration's unweighted losses
    averaged over the processes: the network's step uses
    lambda_i = 1/2 exp(-s_i(t)), and s takes one step of its own optimizer
    on df/ds_i = -1/2 exp(-s_i) L_i + 1/2 at s(t) (what autograd would give
    for s as a parameter): a joint gradient step on (network, s). The
    mechanics (all-reduce, optimizer, resume) are
    :class:`ScalarizerWeighting`'s.

    Choices:

    * One form for every loss, Kendall's regression form
      1/2 exp(-s) L + 1/2 s, as LibMTL and torchjd do (the classification
      form exp(-s) L + 1/2 s only doubles lambda: the same family of
      weights). s starts at 0 (lambda = 1/2), torchjd's initialisation.
    * s is not a model parameter: a parameter added by a hook would miss
      mmengine's optimizer (built before ``before_run``) and DDP (wrapped at
      runner construction), and would land in the model's state dict, so
      ``tools/test.py`` without the hook would meet an unexpected key. The
      all-reduced losses give every rank the same s, exactly DDP's averaged
      gradient of s.
    * The network's optimizer has a warm-up, a cosine decay and weight
      decay, none meant for s: s gets Adam, lr 0.025 by default
      (scale-free steps; plain SGD on s is unstable for large losses since
      the gradient grows as exp(-s) L).
    * The logged ``loss`` is sum_i lambda_i L_i: the regulariser
      1/2 sum_i s_i (no gradient for the network) is not logged (mmada
      <= 0.2 added it as the entry ``loss_uncertainty_reg``).
    * :attr:`loss_weights` are the weights the last training iteration
      applied, lambda(s(t)) (mmada <= 0.2 gave the next one's), 1 before
      the first one. Weights set from outside (:meth:`set_loss_weights`)
      apply outside training only (validation): they do not move s, the
      next training iteration takes lambda from s again.

    Args:
        losses (Sequence[str], optional): Loss names or patterns (see
            :class:`~mmada.models.LossWeighting`).
        optimizer (dict, optional): The optimizer of s, an mmengine
            ``OPTIMIZERS`` config without ``params``. Defaults to
            ``dict(type='Adam', lr=0.025)``.
        init (float): Only 0 (kept so that configs of mmada <= 0.2 that
            give ``init=0.0`` still build): torchjd's UW starts at s = 0.
    """

    def __init__(self,
                 losses: Optional[Sequence[str]] = None,
                 *,
                 optimizer: Optional[dict] = None,
                 init: float = 0.0) -> None:
        if init != 0:
            raise ValueError(f'UncertaintyWeighting.init: torchjd\'s UW '
                             f'starts at s = 0, got init={init!r}')
        super().__init__(losses,
                         scalarizer=dict(type='UW'),
                         optimizer=optimizer)

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned.

        Raises:
            ValueError: The state has ``log_vars``: it was written by mmada
                <= 0.2's own uncertainty weighting (s and Adam's moments,
                not the losses :class:`ScalarizerWeighting` replays: no
                exact conversion).
        """
        if 'log_vars' in state:
            raise ValueError(
                'UncertaintyWeighting: the checkpoint has `log_vars`: it was '
                "written by mmada <= 0.2's own uncertainty weighting and "
                "cannot be resumed with torchjd's UW")
        super().load_state_dict(state)
