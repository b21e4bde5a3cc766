"""Loss-weighting baselines (the paper's Table 6 and beyond): weighting rules
for ``LossWeightHook(weighting=dict(type=...))``."""
from .gradnorm import GradNormWeighting
from .scalarizer import ScalarizerWeighting
from .uncertainty import UncertaintyWeighting

__all__ = ['GradNormWeighting', 'ScalarizerWeighting', 'UncertaintyWeighting']
