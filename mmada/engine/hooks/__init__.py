from .ada_segment_hook import AdaSegmentHook
from .loss_weight_hook import LossWeightHook

__all__ = ['LossWeightHook', 'AdaSegmentHook']
