"""Policy transfer: a saved controller drives a fresh training run."""
from typing import Optional

import numpy as np
import torch
from mmdet.registry import HOOKS

from mmada.controller import PolicyEnsemble
from mmada.utils import load_checkpoint_file
from .loss_weight_hook import LossWeightHook


@HOOKS.register_module()
class AdaSegmentHook(LossWeightHook):
    """Loss weights from a trained controller (section "Policy Transfer").

    The run is cut into intervals of ``interval`` iterations (default: one
    epoch). The first interval is the pseudo epoch: all weights 1, its mean
    loss is the run's own initial loss l^1 (also the controller's reference
    l_ref). After interval e (e = 1..E, E = number of intervals - 1) the
    weights of interval e + 1 are lambda^{e+1} = Eq. 7 with l^e, the mean
    unweighted loss of interval e. So a 12-epoch schedule trains the pseudo
    epoch plus E = 11 weighted epochs, and epoch e + 1 is driven mostly by
    pi^t with t = e * T / E: pi^t is the controller state after its update at
    exploration checkpoint t, which learned from interval t whose state was
    l_best^t (E != T is allowed: e * T / E is a float).

    Args:
        controller (str): The controller file an exploration saved
            (``work_dirs/<explore config>/controller.pth``).
        mode (str): 'comb-dy' (Eq. 7, default), 'single-dy' (pi^T alone),
            'pred' (static pi^T at the initial state), 'final' (static
            lambda_best^T) or 'untrained' (Eq. 7 with pi^0, the ablation
            that separates learning from the state normalisation). Static
            modes also start after the pseudo epoch.
        gamma (float): Discount of Eq. 7. Defaults to 0.9.
        interval (int, optional): Iterations per interval. Defaults to the
            length of the train dataloader (one epoch).
        **kwargs: See :class:`LossWeightHook`.
    """

    def __init__(self,
                 controller: str,
                 mode: str = 'comb-dy',
                 gamma: float = 0.9,
                 interval: Optional[int] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.controller_file = controller
        self.mode = mode
        self.gamma = gamma
        self.interval = interval
        self.l_ref: Optional[np.ndarray] = None
        self.epoch = 0  # finished intervals

    def before_run(self, runner) -> None:
        super().before_run(runner)
        state = load_checkpoint_file(self.controller_file, map_location='cpu')
        if not isinstance(state, dict) or 'snapshots' not in state:
            raise ValueError(f'{self.controller_file}: not a controller file '
                             '(no "snapshots"); expected the controller.pth '
                             'an exploration writes')
        self.controller_names = list(state['loss_names'])
        self.ensemble = PolicyEnsemble.from_state_dict(
            state, self.mode, self.gamma)
        if self.weighting.names is not None:  # patterns: at the 1st interval
            self._controller_order()

    def _controller_order(self) -> np.ndarray:
        """Index of each of the controller's losses among this run's
        (``self.names``; patterns may resolve to another order)."""
        if sorted(self.names) != sorted(self.controller_names):
            raise ValueError(
                f'{self.controller_file}: the controller state was made for '
                f'the losses {self.controller_names}, this model weights '
                f'{self.names}')
        return np.array([self.names.index(n) for n in self.controller_names])

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if self.interval is None:
            self.interval = len(runner.train_dataloader)
        self.num_epochs = runner.max_iters // self.interval - 1
        if self.num_epochs < 1:
            raise ValueError(
                f'AdaSegmentHook: {runner.max_iters} iterations make '
                f'{runner.max_iters // self.interval} interval(s) of '
                f'{self.interval}; need at least 2 (the pseudo epoch + 1)')

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        super().after_train_iter(runner, batch_idx, data_batch, outputs)
        if not self.every_n_train_iters(runner, self.interval):
            return
        losses = self.interval_losses()
        self.epoch += 1
        if self.epoch == 1:
            self.l_ref = losses
        if self.epoch > self.num_epochs:
            return
        order = self._controller_order()
        lam = torch.empty(len(order), dtype=torch.float64)
        lam[torch.as_tensor(order)] = self.ensemble.weights(
            losses[order], self.l_ref[order], self.epoch, self.num_epochs)
        if (lam < 0).any():  # only with the literal (linear) policy output
            runner.logger.warning(
                f'Ada-Segment: negative weights {lam.tolist()} clamped to 0 '
                '(a negative weight would maximise its loss)')
            lam = lam.clamp(min=0)
        self.set_weights(lam.tolist())
        runner.logger.info(
            f'Ada-Segment ({self.mode}) interval {self.epoch + 1}/'
            f'{self.num_epochs + 1}: l^{self.epoch} = '
            f'{_named(self.names, losses)}; lambda = '
            f'{_named(self.names, self.weights)}')
        runner.visualizer.add_scalars(
            {f'lambda/{n}': w
             for n, w in zip(self.names, self.weights)},
            step=runner.iter + 1)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        super().before_save_checkpoint(runner, checkpoint)
        checkpoint['loss_weights'].update(
            l_ref=None if self.l_ref is None else self.l_ref.tolist(),
            epoch=self.epoch)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        super().after_load_checkpoint(runner, checkpoint)
        state = checkpoint.get('loss_weights', {})
        if state.get('l_ref') is not None:
            self.l_ref = np.asarray(state['l_ref'], dtype=np.float64)
        self.epoch = state.get('epoch', 0)


def _named(names, values) -> str:
    return '[' + ', '.join(f'{n}={float(v):.6g}'
                           for n, v in zip(names, values)) + ']'
