"""Loss-weighting baselines of the paper's Table 6 and beyond, as
:class:`~mmada.models.LossWeighting` rules for ``LossWeightHook(weighting=...)``.
"""
from .gradnorm import GradNormWeighting
from .uncertainty import UncertaintyWeighting

__all__ = ['GradNormWeighting', 'UncertaintyWeighting']
