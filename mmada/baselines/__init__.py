"""Loss-weighting baselines (the paper's Table 6 and beyond): weighting rules
for ``LossWeightHook(weighting=dict(type=...))`` and exploration strategies
(``train_cfg.strategy``: 'pbt', 'am-lfs')."""
from .am_lfs import AMLFSStrategy
from .gradnorm import GradNormWeighting
from .pbt import PBTStrategy
from .scalarizer import ScalarizerWeighting
from .uncertainty import UncertaintyWeighting

__all__ = [
    'GradNormWeighting', 'ScalarizerWeighting', 'UncertaintyWeighting',
    'PBTStrategy', 'AMLFSStrategy'
]
