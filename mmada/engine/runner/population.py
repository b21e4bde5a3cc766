"""The population's plumbing: which rank trains which member, the data each
member sees, and one value for every process. No Ada-Segment logic here."""
import copy
import math
from typing import Any, Iterator, List, Optional, Sized

import torch
from mmengine.dataset import DefaultSampler
from mmengine.dist import broadcast_object_list
from mmengine.model import is_model_wrapper
from mmdet.datasets.samplers import AspectRatioBatchSampler
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


@DATA_SAMPLERS.register_module()
class FreshAspectRatioBatchSampler(AspectRatioBatchSampler):
    """mmdet's AspectRatioBatchSampler whose every pass starts with empty
    buckets: an interval that stops mid-pass leaves no indices behind for
    the next member (mmdet's keeps them for its next pass)."""

    def __iter__(self) -> Iterator[List[int]]:
        AspectRatioBatchSampler.__init__(self, self.sampler, self.batch_size,
                                         self.drop_last)
        return super().__iter__()


def member_dataloader_cfg(cfg: dict, layout: MemberLayout,
                          seed: int) -> dict:
    """A dataloader config sharded over the member's group, seeded
    explicitly (the same on every process), with epoch-dependent worker
    seeds and fresh aspect-ratio buckets at every pass."""
    cfg = copy.deepcopy(cfg)
    sampler = cfg.get('sampler') or dict(type='DefaultSampler')
    cfg['sampler'] = dict(
        type='GroupSampler',
        shuffle=sampler.get('shuffle', True),
        round_up=sampler.get('round_up', True),
        seed=seed,
        rank=layout.group_rank,
        world_size=layout.group_size)
    batch_sampler = cfg.get('batch_sampler') or {}
    if batch_sampler.get('type') in ('AspectRatioBatchSampler',
                                     AspectRatioBatchSampler):
        cfg['batch_sampler'] = dict(batch_sampler,
                                    type='FreshAspectRatioBatchSampler')
    cfg.setdefault('worker_init_fn', dict(type='seed_worker'))
    # persistent workers are seeded once, when they start: the members of
    # an interval would draw different augmentations (RandomFlip). Workers
    # restart at every pass instead (one start per member interval), seeded
    # (seed_worker) from the main process's torch RNG, which is reseeded
    # before every member.
    if cfg.get('persistent_workers'):
        cfg['persistent_workers'] = False
    return cfg


def interval_batches(dataloader, interval: int, key: int) -> Iterator[Any]:
    """``interval`` batches, the same for every member at a checkpoint:
    the sampler's epoch is set from ``key`` (and a counter when an interval
    spans several passes over the data)."""
    passes = 0
    produced = 0
    while produced < interval:
        sampler = getattr(dataloader.batch_sampler, 'sampler', None)
        if not hasattr(sampler, 'set_epoch'):
            sampler = dataloader.sampler
        sampler.set_epoch(key * 10_000 + passes)
        for batch in dataloader:
            yield batch
            produced += 1
            if produced == interval:
                return
        passes += 1


def broadcast(value: Any, src: int = 0) -> Any:
    """Rank ``src``'s ``value`` on every process (itself without
    torch.distributed)."""
    payload = [value]
    broadcast_object_list(payload, src=src)
    return payload[0]
