from .ada_segment_weighting import AdaSegmentWeighting
from .loss_weighting import (HeadGradScaling, LossWeighting,
                             add_loss_weighting, reduce_loss)
from .static_weighting import StaticWeighting

__all__ = [
    'LossWeighting', 'add_loss_weighting', 'HeadGradScaling', 'reduce_loss',
    'AdaSegmentWeighting', 'StaticWeighting'
]
