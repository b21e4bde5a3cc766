"""A test-only hook that makes one rank compute different numbers, as a GPU
(not bit-deterministic) would, and records what each rank did.

Imported by test configs (``custom_imports``) with this directory on
PYTHONPATH; never by mmada.
"""
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmdet.registry import HOOKS


@HOOKS.register_module()
class PerturbRankHook(Hook):
    """On ``rank``, before the pseudo epoch, scale every model weight by
    (1 + eps): its l^1, M^0 and PQ then differ from the other ranks'. Every
    rank records the loss weights of each interval it trains and, at the
    end, dumps them with its controller and model to
    ``work_dir/rank<r>.pth``."""

    priority = 'LOWEST'

    def __init__(self, rank: int = 1, eps: float = 1e-2) -> None:
        self.rank, self.eps = rank, eps
        self.trained = []

    def before_train(self, runner) -> None:
        if get_rank() == self.rank:
            with torch.no_grad():
                for p in runner.model.parameters():
                    p.mul_(1 + self.eps)

    def before_train_epoch(self, runner) -> None:
        weighting = runner.train_loop.weighting
        self.trained.append(list(weighting.loss_weights
                                 or [1.0] * len(weighting.names)))

    def after_run(self, runner) -> None:
        model = runner.model.module if hasattr(runner.model, 'module') \
            else runner.model
        torch.save(
            dict(controller=runner.train_loop.strategy.state_dict(),
                 model=model.state_dict(), trained=self.trained),
            osp.join(runner.work_dir, f'rank{get_rank()}.pth'))
