"""Policy transfer (paper, "Policy Transfer", Eq. 7): a saved controller
sets the loss weights of a fresh training run, one interval at a time."""
import logging
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.logging import print_log
from mmdet.registry import MODELS

from mmada.controller import MODES, PolicyEnsemble, WeightController
from mmada.utils import load_checkpoint_file
from .loss_weighting import LossWeighting


@MODELS.register_module()
class AdaSegmentWeighting(LossWeighting):
    """Loss weights from a trained controller, for ``LossWeightHook``.

    .. code-block:: python

        custom_hooks = [
            dict(type='LossWeightHook',
                 weighting=dict(type='AdaSegmentWeighting',
                                controller='work_dirs/<x>/controller.pth',
                                mode='comb-dy'))
        ]

    The run is cut into intervals of ``interval`` iterations (default: one
    epoch). The first interval is the pseudo interval: all weights 1, its
    mean loss is the run's own initial loss l^1 (also the controller's
    reference l_ref). After interval e (e = 1..E, E = ``num_intervals`` =
    the number of intervals - 1) the weights of interval e + 1 are
    lambda^{e+1} = Eq. 7 with l^e, the mean unweighted loss of interval e.
    So a 12-epoch schedule trains the pseudo interval plus E = 11 weighted
    intervals, and interval e + 1 is driven mostly by pi^t with t = e * T / E:
    pi^t is the controller state after its update at exploration checkpoint
    t (E != T is allowed: e * T / E is a float).

    The run's losses are matched by name with the controller's (patterns
    may resolve to another order); a negative weight (only with the literal,
    linear policy output) is clamped to 0 with a warning.

    Args:
        losses (Sequence[str], optional): Loss names or patterns (see
            :class:`LossWeighting`); LossWeightHook gives them.
        controller (str | dict): The controller file an exploration saved
            (``work_dirs/<explore config>/controller.pth``), read here; or,
            with mode 'untrained' alone, the settings of a
            :class:`WeightController` (e.g. ``dict(equalise='mean')`` or
            ``PAPER_CONTROLLER``): its pi^0 drives the run, a 1x rule that
            needs no exploration.
        mode (str): 'comb-dy' (Eq. 7, default), 'single-dy' (pi^T alone),
            'pred' (static pi^T at the initial state), 'final' (static
            lambda_best^T) or 'untrained' (Eq. 7 with pi^0, the ablation
            that separates learning from the state normalisation). Static
            modes also start after the pseudo interval.
        gamma (float): Discount of Eq. 7. Defaults to 0.9.
        interval (int, optional): Iterations per interval. Defaults to the
            length of the train dataloader (one epoch).
    """

    def __init__(self,
                 losses: Optional[Sequence[str]],
                 controller: str,
                 mode: str = 'comb-dy',
                 gamma: float = 0.9,
                 interval: Optional[int] = None) -> None:
        if mode not in MODES:
            raise ValueError(f'AdaSegmentWeighting.mode must be one of '
                             f'{MODES}, got {mode!r}')
        if isinstance(gamma, bool) or not isinstance(
                gamma, (int, float)) or not gamma > 0:
            raise ValueError(
                f'AdaSegmentWeighting.gamma must be > 0, got {gamma!r}')
        if interval is not None and (isinstance(interval, bool)
                                     or not isinstance(interval, int)
                                     or interval < 1):
            raise ValueError('AdaSegmentWeighting.interval must be an int '
                             f'>= 1 or None (one epoch), got {interval!r}')
        self.controller, self.mode, self.gamma = controller, mode, float(gamma)
        if isinstance(controller, dict) and mode == 'untrained':
            # built for the run's own losses in set_names
            self.controller_names, self.ensemble = None, None
            WeightController(['check'], **controller)  # bad settings fail now
        elif not isinstance(controller, str) or not controller:
            raise TypeError('AdaSegmentWeighting.controller: the path of a '
                            'controller.pth (or, with mode \'untrained\', a '
                            f'dict of controller settings), got {controller!r}')
        else:
            state = load_checkpoint_file(controller, map_location='cpu')
            if not isinstance(state, dict) or 'snapshots' not in state:
                raise ValueError(f'{controller}: not a controller file '
                                 '(no "snapshots"); expected the '
                                 'controller.pth an exploration writes')
            self.controller_names = list(state['loss_names'])
            self.ensemble = PolicyEnsemble.from_state_dict(
                state, mode, self.gamma)
        self.interval = interval
        self.num_intervals: Optional[int] = None  # E, from the schedule
        self.interval_count = 0  # finished intervals (e after interval e)
        self.l_ref: Optional[np.ndarray] = None
        self.order: Optional[np.ndarray] = None
        super().__init__(losses)

    def set_names(self, names: Sequence[str]) -> None:
        """Fix the names and match them with the controller's.

        Raises:
            ValueError: The controller was made for other losses.
        """
        if self.ensemble is None:  # untrained, from settings: pi^0 alone
            state = WeightController(names, **self.controller).state_dict()
            state['snapshots'] = [state['policy']]
            self.controller_names = list(names)
            self.ensemble = PolicyEnsemble.from_state_dict(
                state, 'untrained', self.gamma)
        if sorted(names) != sorted(self.controller_names):
            raise ValueError(
                f'{self.controller}: the controller state was made for '
                f'the losses {self.controller_names}, this model weights '
                f'{list(names)}')
        super().set_names(names)
        # index of each of the controller's losses among this run's
        self.order = np.array(
            [self.names.index(n) for n in self.controller_names])

    def before_train(self, max_iters: int, iters_per_epoch: int) -> None:
        """Fix the interval (default one epoch) and E.

        Raises:
            ValueError: Fewer than 2 intervals (pseudo interval + 1).
        """
        if self.interval is None:
            self.interval = iters_per_epoch
        intervals = max_iters // self.interval
        self.num_intervals = intervals - 1
        if self.num_intervals < 1:
            raise ValueError(
                f'AdaSegmentWeighting: {max_iters} iterations make '
                f'{intervals} interval(s) of {self.interval}; need at least '
                '2 (the pseudo interval + 1)')

    def after_interval(self, losses: np.ndarray) -> Optional[List[float]]:
        """lambda^{e+1} from l^e (Eq. 7 or the static mode's weights) after
        interval e = 1..E; the first interval's losses become l_ref."""
        if self.num_intervals is None:
            raise RuntimeError('AdaSegmentWeighting: before_train first')
        losses = np.asarray(losses, dtype=np.float64)
        self.interval_count += 1
        if self.interval_count == 1:
            self.l_ref = losses
        if self.interval_count > self.num_intervals:
            return None
        order = self.order
        lam = torch.empty(len(order), dtype=torch.float64)
        lam[torch.as_tensor(order)] = self.ensemble.loss_weights(
            losses[order], self.l_ref[order], self.interval_count,
            self.num_intervals)
        if (lam < 0).any():  # only with the literal (linear) policy output
            print_log(
                f'Ada-Segment: negative loss weights {lam.tolist()} clamped '
                'to 0 (a negative weight would maximise its loss)',
                logger='current', level=logging.WARNING)
            lam = lam.clamp(min=0)
        print_log(
            f'Ada-Segment ({self.mode}) interval {self.interval_count + 1}/'
            f'{self.num_intervals + 1}: l^{self.interval_count} = '
            f'{_named(self.names, losses)}; loss_weights = '
            f'{_named(self.names, lam)}', logger='current')
        return lam.tolist()

    def state_dict(self) -> dict:
        """l_ref (l^1) and the number of finished intervals."""
        return dict(
            l_ref=None if self.l_ref is None else self.l_ref.tolist(),
            interval_count=self.interval_count)

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
        l_ref = state.get('l_ref')
        self.l_ref = None if l_ref is None else np.asarray(
            l_ref, dtype=np.float64)
        self.interval_count = int(state.get('interval_count', 0))


def _named(names: Sequence[str], values) -> str:
    return '[' + ', '.join(f'{n}={float(v):.6g}'
                           for n, v in zip(names, values)) + ']'
