"""The population's plumbing: which rank trains which member, member states,
and the data each member sees. No Ada-Segment logic here."""
import copy
import math
from typing import Any, Dict, Iterator, List, Optional, Sized

import torch
from mmengine.dataset import DefaultSampler
from mmengine.model import is_model_wrapper
from mmdet.registry import DATA_SAMPLERS


class MemberLayout:
    """Members spread over the ranks.

    With ``world <= m`` every rank is its own group and trains members
    ``j`` with ``j % world == rank`` one after the other. With ``world > m``
    (``world`` must then be a multiple of m) member ``j`` is trained
    data-parallel by the group of ranks ``j * g .. j * g + g - 1``,
    ``g = world / m``.

    Args:
        population (int): m.
        world_size (int): Number of processes.
        rank (int): This process.
    """

    def __init__(self, population: int, world_size: int, rank: int) -> None:
        if world_size > population and world_size % population:
            raise ValueError(
                f'{world_size} processes cannot share {population} members: '
                'use at most m processes or a multiple of m')
        self.population = population
        self.group_size = max(1, world_size // population)
        self.num_groups = world_size // self.group_size
        self.group_index = rank // self.group_size
        self.group_rank = rank % self.group_size
        self.group_ranks = [
            list(range(g * self.group_size, (g + 1) * self.group_size))
            for g in range(self.num_groups)
        ]

    def members_of(self, group: int) -> List[int]:
        """The members a group trains, in order."""
        return list(range(group, self.population, self.num_groups))

    @property
    def my_members(self) -> List[int]:
        return self.members_of(self.group_index)

    def leader_of(self, member: int) -> int:
        """The global rank of the first process of a member's group."""
        return (member % self.num_groups) * self.group_size


@DATA_SAMPLERS.register_module()
class GroupSampler(DefaultSampler):
    """mmengine's DefaultSampler over an explicit (rank, world_size): a
    member's data-parallel group instead of the whole world.

    Args:
        dataset (Sized): The dataset.
        rank (int): Rank within the group. Defaults to 0.
        world_size (int): Size of the group. Defaults to 1.
        **kwargs: ``shuffle``, ``seed`` (required to be identical across the
            group) and ``round_up`` of DefaultSampler.
    """

    def __init__(self,
                 dataset: Sized,
                 rank: int = 0,
                 world_size: int = 1,
                 seed: Optional[int] = 0,
                 **kwargs) -> None:
        super().__init__(dataset, seed=seed, **kwargs)
        self.rank, self.world_size = rank, world_size
        if self.round_up:
            self.num_samples = math.ceil(len(dataset) / world_size)
            self.total_size = self.num_samples * world_size
        else:
            self.num_samples = math.ceil((len(dataset) - rank) / world_size)
            self.total_size = len(dataset)


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    return model.module if is_model_wrapper(model) else model


def capture_state(runner) -> Dict[str, Any]:
    """A member as it stands: weights (buffers included), optimizer, lr
    schedule, and the iteration counter (copies, so later training does not
    change them)."""
    return copy.deepcopy(
        dict(
            model=unwrap(runner.model).state_dict(),
            optimizer=runner.optim_wrapper.state_dict(),
            param_schedulers=[
                s.state_dict() for s in runner.param_schedulers or []
            ],
            iter=runner.train_loop._iter,
            epoch=getattr(runner.train_loop, '_epoch', 0)))


def restore_state(runner, state: Dict[str, Any]) -> None:
    """Make the runner's model, optimizer and schedulers ``state``."""
    unwrap(runner.model).load_state_dict(state['model'])
    runner.optim_wrapper.load_state_dict(copy.deepcopy(state['optimizer']))
    for scheduler, s in zip(runner.param_schedulers or [],
                            state['param_schedulers']):
        scheduler.load_state_dict(copy.deepcopy(s))
    runner.train_loop._iter = state['iter']
    if hasattr(runner.train_loop, '_epoch'):
        runner.train_loop._epoch = state['epoch']


def interval_batches(dataloader, interval: int, key: int) -> Iterator[Any]:
    """``interval`` batches, the same for every member at a checkpoint:
    the sampler's epoch is set from ``key`` (and a counter when an interval
    spans several passes over the data), and a batch sampler's leftovers
    from an interrupted pass (mmdet's AspectRatioBatchSampler keeps them
    between passes) are dropped."""
    passes = 0
    produced = 0
    while produced < interval:
        _start_pass(dataloader, key * 10_000 + passes)
        for batch in dataloader:
            yield batch
            produced += 1
            if produced == interval:
                return
        passes += 1


def _start_pass(dataloader, epoch: int) -> None:
    batch_sampler = dataloader.batch_sampler
    sampler = getattr(batch_sampler, 'sampler', None)
    if not hasattr(sampler, 'set_epoch'):
        sampler = dataloader.sampler
    sampler.set_epoch(epoch)
    if hasattr(batch_sampler, '_aspect_ratio_buckets'):
        batch_sampler._aspect_ratio_buckets = [
            [] for _ in batch_sampler._aspect_ratio_buckets
        ]
