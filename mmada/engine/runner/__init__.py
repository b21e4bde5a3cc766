from .explore_loop import ExploreLoop
from .explore_runner import ExploreRunner
from .population import (FreshAspectRatioBatchSampler, GroupSampler,
                         MemberLayout)

__all__ = [
    'ExploreLoop', 'ExploreRunner', 'FreshAspectRatioBatchSampler',
    'GroupSampler', 'MemberLayout'
]
