"""mmada: Ada-Segment (automated multi-loss adaptation) on MMDetection 3.x.

Importing the package registers everything into mmdet's registries, so a
config only needs ``custom_imports = dict(imports=['mmada'])``.
"""
from .version import __version__
from . import utils  # noqa: F401  (safe checkpoint loading is installed here)
from . import (baselines, controller, datasets, engine,  # noqa: F401
               evaluation, models)

__all__ = ['__version__']
