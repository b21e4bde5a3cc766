"""What only tests and the crash-safety tool use; never imported by mmada's
training, evaluation or file-writing code. Pull it into a config with
``custom_imports = dict(imports=['mmada', 'mmada.testing'])``."""
from .faults import FaultHook

__all__ = ['FaultHook']
