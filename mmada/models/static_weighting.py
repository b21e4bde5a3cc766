"""Fixed loss weights applied as Ada-Segment applies its lambda."""
import fnmatch
from typing import Dict, List, Optional, Sequence, Union

from mmdet.registry import MODELS

from .loss_weighting import LossWeighting


@MODELS.register_module()
class StaticWeighting(LossWeighting):
    """Constant loss weights lambda, for ``LossWeightHook``.

    .. code-block:: python

        custom_hooks = [
            dict(type='LossWeightHook',
                 weighting=dict(type='StaticWeighting',
                                loss_weights={'s*.loss_*': 2.0,
                                              'loss_seg': 0.5}))
        ]

    Unlike a head's ``loss_weight`` in the model config, these weights go
    through the same door as Ada-Segment's: the weighted losses in
    ``parse_losses`` and, with the hook's ``head_lr_scaling`` (its default),
    the heads' gradients scaled by 1/lambda, so a weight changes how much a
    loss trains the shared layers and not the step of its own head (the
    paper's "we re-scale the learning rate of each head"). Baseline-G's grid
    in that form is ``benchmark_methods.py --methods grid-hook``.

    Args:
        losses (Sequence[str], optional): Loss names or patterns (see
            :class:`LossWeighting`).
        loss_weights (dict | list[float]): Loss name or ``fnmatch`` pattern
            -> weight (> 0); a loss takes the weight of the first key that
            matches it, 1 if none does, and every key must match a loss. Or
            one weight per loss, in the order of the hook's losses (the
            form ``--cfg-options`` can give, e.g. a grid point).
    """

    def __init__(self,
                 losses: Optional[Sequence[str]] = None,
                 loss_weights: Union[Dict[str, float], Sequence[float],
                                     None] = None) -> None:
        if isinstance(loss_weights, dict):
            keys, values = list(loss_weights), list(loss_weights.values())
        else:
            keys, values = None, list(loss_weights or [])
        if not values or any(
                not isinstance(v, (int, float)) or isinstance(v, bool)
                or not v > 0 for v in values) or (keys is not None and any(
                    not isinstance(k, str) for k in keys)):
            raise ValueError('StaticWeighting.loss_weights: expected a '
                             'non-empty dict of loss name or pattern -> '
                             'weight > 0, or a list of weights > 0, got '
                             f'{loss_weights!r}')
        self.weight_of = None if keys is None else dict(
            zip(keys, map(float, values)))
        self.weight_list = None if keys is not None else [
            float(v) for v in values
        ]
        super().__init__(losses)

    def set_names(self, names: Sequence[str]) -> None:
        """Fix the loss names and their weights.

        Raises:
            KeyError: A key of a dict matches no loss.
            ValueError: A list has another length than the losses.
        """
        super().set_names(names)
        if self.weight_list is not None:
            self.set_loss_weights(self.weight_list)  # checks the length
            return
        unused = [
            key for key in self.weight_of
            if not fnmatch.filter(self.names, key)
        ]
        if unused:
            raise KeyError(f'StaticWeighting.loss_weights: {unused} match '
                           f'no weighted loss; the losses are {self.names}')
        weights: List[float] = []
        for name in self.names:
            key = next((k for k in self.weight_of
                        if fnmatch.fnmatchcase(name, k)), None)
            weights.append(1.0 if key is None else self.weight_of[key])
        self.set_loss_weights(weights)
