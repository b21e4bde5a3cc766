from .loss_weight_hook import LossWeightHook

__all__ = ['LossWeightHook']
