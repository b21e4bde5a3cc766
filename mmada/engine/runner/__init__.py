from .explore_runner import ExploreRunner
from .population import GroupSampler, MemberLayout

__all__ = ['ExploreRunner', 'GroupSampler', 'MemberLayout']
