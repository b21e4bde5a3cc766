"""The runner of an exploration: what only a Runner can do for the
:class:`ExploreLoop` (process groups, hooks, the initial weights)."""
import copy

import torch
from mmengine.device import get_device
from mmengine.dist import get_dist_info
from mmengine.runner import Runner
from mmengine.registry import RUNNERS

from .population import MemberLayout
from .settings import check_explore_settings

#: the loops an ExploreRunner runs (a population over the processes)
EXPLORE_LOOPS = ('ExploreLoop', 'RewardAuditLoop')


@RUNNERS.register_module()
class ExploreRunner(Runner):
    """mmengine's Runner for ``train_cfg = dict(type='ExploreLoop', ...)``.

    It differs from Runner in three places:

    - ``wrap_model``: the members are laid out over the processes
      (:class:`MemberLayout`); a member is trained alone (no DDP over the
      world: the other ranks train other members) or data-parallel over its
      own process group (``self.group``);
    - ``register_hooks``: no CheckpointHook (members are not checkpoints;
      the loop saves its own state after every checkpoint t), and a
      LossWeightHook if the config has none (it gives the model the loss
      weighting whose lambda the loop sets);
    - ``load_or_resume``: ``load_from`` gives the initial weights of the
      pseudo epoch; ``resume`` is the loop's (``explore_state.pth``).
    """

    def wrap_model(self, model_wrapper_cfg, model):
        train_cfg = dict(self.cfg.get('train_cfg') or {})
        if str(train_cfg.get('type')).split('.')[-1] not in EXPLORE_LOOPS:
            raise ValueError("runner_type='ExploreRunner' needs train_cfg = "
                             "dict(type='ExploreLoop', ...) (or "
                             "'RewardAuditLoop'), got train_cfg "
                             f'type {train_cfg.get("type")!r}')
        train_cfg.pop('audit', None)  # RewardAuditLoop's own keys
        population = check_explore_settings(train_cfg)['population']
        rank, world_size = get_dist_info()
        self.layout = MemberLayout(population, world_size, rank)
        self.group = None
        if self.layout.group_size == 1:
            return model.to(get_device())
        groups = [  # a collective call: every rank creates every group
            torch.distributed.new_group(ranks)
            for ranks in self.layout.group_ranks
        ]
        self.group = groups[self.layout.group_index]
        cfg = copy.deepcopy(model_wrapper_cfg or dict(
            type='MMDistributedDataParallel', broadcast_buffers=False))
        cfg['process_group'] = self.group
        return super().wrap_model(cfg, model)

    def register_hooks(self, default_hooks=None, custom_hooks=None) -> None:
        default_hooks = dict(default_hooks or {}, checkpoint=None)
        custom_hooks = list(custom_hooks or [])
        if not any(_hook_type(h) == 'LossWeightHook' for h in custom_hooks):
            raise ValueError(
                "runner_type='ExploreRunner' needs dict(type='LossWeightHook')"
                ' in custom_hooks: it puts the loss weighting on the model, '
                'whose lambda the exploration sets')
        super().register_hooks(default_hooks, custom_hooks)

    def load_or_resume(self) -> None:
        if self.cfg.get('load_from'):
            self.load_checkpoint(self.cfg.load_from)


def _hook_type(hook) -> str:
    kind = hook.get('type') if isinstance(hook, dict) else type(hook)
    return kind if isinstance(kind, str) else kind.__name__
