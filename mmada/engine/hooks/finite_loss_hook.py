"""Stop a training at its first non-finite loss (mmdet's
CheckInvalidLossHook, every iteration and with a one-line error)."""
import math
from typing import Optional

from mmengine.model import is_model_wrapper
from mmdet.engine.hooks import CheckInvalidLossHook
from mmdet.registry import HOOKS


@HOOKS.register_module()
class FiniteLossHook(CheckInvalidLossHook):
    """Raise ``FloatingPointError`` at the first iteration whose loss, one of
    its logged parts or a loss weight is not finite, naming it and the
    iteration (detectron2 does the same). mmdet's CheckInvalidLossHook
    checks only the total, every 50 iterations, with an ``assert``; a NaN
    then trains on silently (every weight and parameter NaN). In an
    exploration the member whose loss it is fails, as for any error.

    In ``configs/_base_/default_runtime.py``'s ``default_hooks``
    (``check_loss``), so every mmada config has it; ``interval`` as in
    CheckInvalidLossHook. Defaults to 1 (every iteration: one ``isfinite``
    per logged value).
    """

    priority = 'LOW'  # after LossWeightHook (ABOVE_NORMAL) logged the weights

    def __init__(self, interval: int = 1) -> None:
        super().__init__(interval)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not self.every_n_train_iters(runner, self.interval):
            return
        values = dict(outputs or {})
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        weighting = getattr(model, 'loss_weighting', None)  # its weights
        names = getattr(weighting, 'names', None)
        weights = getattr(weighting, 'loss_weights', None)
        if names and weights is not None:
            values.update({f'loss_weights/{n}': w
                           for n, w in zip(names, weights)})
        for name, value in values.items():
            try:
                value = float(value)
            except (TypeError, ValueError, RuntimeError):
                continue  # not a scalar
            if not math.isfinite(value):
                raise FloatingPointError(
                    f'Iteration {runner.iter + 1}: {name} = {value} is not '
                    'finite; the training stops here (lower the lr or the '
                    'loss weights)')
