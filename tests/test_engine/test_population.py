"""The population's plumbing: the members' layout over the processes, the
group sampler, the interval's batches and the member dataloader config."""
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from mmada.engine.runner.population import (FreshAspectRatioBatchSampler,
                                            GroupSampler, MemberLayout,
                                            broadcast, interval_batches,
                                            member_dataloader_cfg)


@pytest.mark.parametrize('m, world, rank, group_size, members, leader', [
    (4, 2, 1, 1, [1, 3], 1),  # world <= m: members j % world == rank
    (4, 4, 2, 1, [2], 2),
    (2, 4, 3, 2, [1], 2),  # world = 2m: member 1 by ranks 2, 3
    (3, 1, 0, 1, [0, 1, 2], 0),
])
def test_member_layout(m, world, rank, group_size, members, leader):
    layout = MemberLayout(m, world, rank)
    assert layout.group_size == group_size
    assert layout.my_members == members
    assert layout.leader_of(members[0]) == leader
    assert sorted(j for g in range(layout.num_groups)
                  for j in layout.members_of(g)) == list(range(m))


def test_member_layout_refuses_a_world_that_does_not_divide():
    with pytest.raises(ValueError, match='6 processes cannot share 4'):
        MemberLayout(4, 6, 0)


class Images(Dataset):
    """Images 0..n-1; odd ones are portrait (for the aspect-ratio buckets)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i

    def get_data_info(self, i):
        return dict(width=10, height=20 if i % 2 else 5)


def test_group_sampler_shards_over_its_group_not_the_world():
    dataset = Images(10)
    shards = [
        list(GroupSampler(dataset, rank=r, world_size=2, shuffle=False))
        for r in range(2)
    ]
    assert shards == [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]
    alone = GroupSampler(dataset, shuffle=True, seed=3)
    alone.set_epoch(1)
    assert sorted(alone) == list(range(10))


def _loader(n, batch_size=2):
    sampler = GroupSampler(Images(n), shuffle=True, seed=0)
    batches = FreshAspectRatioBatchSampler(sampler, batch_size)
    return DataLoader(Images(n), batch_sampler=batches,
                      collate_fn=lambda b: b)


def test_interval_batches_are_the_same_for_every_member():
    loader = _loader(10)
    first = list(interval_batches(loader, 3, key=1))
    # a pass cut short leaves no indices in the buckets for the next member
    assert list(interval_batches(loader, 3, key=1)) == first
    assert len(first) == 3 and all(len(b) == 2 for b in first)
    assert all(len({i % 2 for i in b}) == 1 for b in first)  # one aspect
    assert list(interval_batches(loader, 3, key=2)) != first


def test_interval_batches_span_several_passes():
    loader = _loader(4)  # 2 batches per pass
    batches = list(interval_batches(loader, 5, key=0))
    assert len(batches) == 5
    assert sorted(i for b in batches[:2] for i in b) == [0, 1, 2, 3]
    assert sorted(i for b in batches[2:4] for i in b) == [0, 1, 2, 3]


def test_member_dataloader_cfg():
    layout = MemberLayout(2, 4, 3)  # member 1, second rank of its group
    cfg = dict(batch_size=2, sampler=dict(type='DefaultSampler',
                                          shuffle=False),
               batch_sampler=dict(type='AspectRatioBatchSampler'))
    member = member_dataloader_cfg(cfg, layout, seed=7)
    assert member['sampler'] == dict(type='GroupSampler', shuffle=False,
                                     round_up=True, seed=7, rank=1,
                                     world_size=2)
    assert member['batch_sampler'] == dict(
        type='FreshAspectRatioBatchSampler')
    assert member['worker_init_fn'] == dict(type='seed_worker')
    assert cfg['sampler']['type'] == 'DefaultSampler'  # not changed
    # persistent workers would keep their first seed: every member of an
    # interval must draw the same augmentations (the COCO configs)
    coco = dict(cfg, num_workers=2, persistent_workers=True)
    assert member_dataloader_cfg(coco, layout, 7)['persistent_workers'] is \
        False
    assert coco['persistent_workers'] is True


def test_broadcast_without_processes_is_the_value():
    value = dict(a=torch.ones(2))
    assert broadcast(value) is value
