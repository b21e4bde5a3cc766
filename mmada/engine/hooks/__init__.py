from .finite_loss_hook import FiniteLossHook
from .loss_weight_hook import LossWeightHook

__all__ = ['LossWeightHook', 'FiniteLossHook']
