"""A test-only hook that kills the process (SIGKILL: no clean-up, as a power
cut or the OOM killer would) or makes a loss NaN at a chosen point, for the
crash-safety tests and ``tools/analysis/fault_injection.py``."""
import os
import signal
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmdet.registry import HOOKS

import mmada.utils.io as mmada_io

POINTS = ('train_iter', 'evaluate', 'controller_update', 'atomic_write',
          'checkpoint_saved', 'nan_loss')


@HOOKS.register_module()
class FaultHook(Hook):
    """Act the ``at``-th time the run reaches ``point`` (on process ``rank``
    only, if given):

    - ``train_iter``: kill before the ``at``-th training iteration (the
      pseudo epoch's included);
    - ``evaluate``: kill in the ``at``-th evaluation batch;
    - ``controller_update``: kill once checkpoint ``at``'s controller update
      is done, before anything of it is saved;
    - ``atomic_write``: kill when the ``at``-th file mmada writes atomically
      is complete in its temporary file but not yet renamed;
    - ``checkpoint_saved``: kill right after checkpoint ``at`` is saved;
    - ``nan_loss``: the ``at``-th training iteration's losses are NaN (a
      diverging model); the run goes on.

    Args:
        point (str): One of ``POINTS``.
        at (int): Which visit. Defaults to 1.
        rank (int, optional): Only on this process. Defaults to every one.
    """

    priority = 'HIGHEST'

    def __init__(self, point: str, at: int = 1,
                 rank: Optional[int] = None) -> None:
        if point not in POINTS:
            raise ValueError(f'FaultHook: point must be one of {POINTS}, got '
                             f'{point!r}')
        self.point, self.at, self.rank = point, at, rank
        self.visits = 0
        self.armed = False

    def _reached(self, runner, point: str) -> bool:
        if point != self.point or (self.rank is not None
                                   and runner.rank != self.rank):
            return False
        self.visits += 1
        return self.visits == self.at

    def before_train(self, runner) -> None:
        # after every hook's before_run (e.g. LossWeightHook's weighting)
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if self.point == 'evaluate':
            val_step = runner.model.val_step

            def counted_val_step(*args, **kwargs):
                if self._reached(runner, 'evaluate'):
                    _kill()
                return val_step(*args, **kwargs)

            runner.model.val_step = counted_val_step
        elif self.point == 'nan_loss':
            parse_losses = model.parse_losses

            def nan_losses(losses):
                if self.armed:
                    self.armed = False
                    losses = {k: _nan(v) for k, v in losses.items()}
                return parse_losses(losses)

            model.parse_losses = nan_losses
        elif self.point == 'atomic_write':
            mmada_io.os = _CountedReplace(lambda: self._reached(
                runner, 'atomic_write'))

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if self.point == 'nan_loss':
            self.armed = self._reached(runner, 'nan_loss')
        elif self._reached(runner, 'train_iter'):
            _kill()

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if checkpoint.get('checkpoint', 0) < 1:  # the pseudo epoch's state
            return
        if self._reached(runner, 'controller_update'):
            _kill()
        if self.point == 'checkpoint_saved':
            self.armed = self._reached(runner, 'checkpoint_saved')

    def before_train_epoch(self, runner) -> None:
        if self.point == 'checkpoint_saved' and self.armed:
            _kill()

    def after_train(self, runner) -> None:
        self.before_train_epoch(runner)


class _CountedReplace:
    """``os`` for mmada.utils.io, whose ``replace`` first asks ``hit``."""

    def __init__(self, hit) -> None:
        self.hit = hit

    def __getattr__(self, name):
        return getattr(os, name)

    def replace(self, src, dst) -> None:
        if self.hit():
            _kill()
        os.replace(src, dst)


def _nan(value):
    """A loss entry (a tensor or a list of them) made NaN."""
    if isinstance(value, (list, tuple)):
        return [v * float('nan') for v in value]
    return value * float('nan')


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)
