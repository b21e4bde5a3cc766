from .explore_loop import ExploreLoop
from .explore_runner import ExploreRunner
from .reward_audit import RewardAuditLoop
from .population import (FreshAspectRatioBatchSampler, GroupSampler,
                         MemberLayout)

__all__ = [
    'ExploreLoop', 'ExploreRunner', 'FreshAspectRatioBatchSampler',
    'GroupSampler', 'MemberLayout', 'RewardAuditLoop'
]
