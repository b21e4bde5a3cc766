"""Deterministic randomness per interval, so that a resumed run repeats the
uninterrupted one.

mmengine seeds the RNGs once at start-up and seeds every dataloader worker
with ``seed + rank * num_workers + worker_id``, the same value every epoch
(the epoch is ignored), and a resumed run does not restore RNG states. So
epoch k of a resumed run draws other random numbers (flips, RoI sampling)
than epoch k of the uninterrupted run. Here every epoch (and every
exploration interval) reseeds all RNGs from ``(seed, epoch)``: what happens in
an epoch depends only on the state at its start.
"""
import random

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.registry import FUNCTIONS
from mmdet.registry import HOOKS


def derive_seed(seed: int, *keys: int) -> int:
    """A 31-bit seed from ``seed`` and integer keys (deterministic)."""
    value = int(seed) & 0x7FFFFFFF
    for key in keys:
        value = (value * 1_000_003 + int(key) + 1) & 0x7FFFFFFF
    return value


def seed_everything(seed: int) -> None:
    """Seed python's, numpy's and torch's global RNGs."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@FUNCTIONS.register_module()
def seed_worker(worker_id: int) -> None:
    """``worker_init_fn`` seeding numpy and random from the seed torch gave
    the worker (``base_seed + worker_id``, where ``base_seed`` is drawn from
    the main process's torch RNG when the epoch's iterator is created), so
    workers differ from each other and from epoch to epoch, and follow the
    main process's seeding. Use ``worker_init_fn=dict(type='seed_worker')``
    in a dataloader config.
    """
    seed = torch.initial_seed() & 0xFFFFFFFF
    np.random.seed(seed)
    random.seed(seed)


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Reseed every RNG at the start of each epoch from ``(seed, epoch)``.

    Args:
        seed (int, optional): Base seed. Defaults to the runner's seed.
    """

    priority = 'VERY_HIGH'

    def __init__(self, seed=None) -> None:
        self.seed = seed

    def before_train_epoch(self, runner) -> None:
        seed = runner.seed if self.seed is None else self.seed
        seed_everything(derive_seed(seed, runner.epoch))
