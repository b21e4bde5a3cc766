from .loss_weighting import (HeadGradScaling, LossWeighting,
                             add_loss_weighting)

__all__ = ['LossWeighting', 'add_loss_weighting', 'HeadGradScaling']
