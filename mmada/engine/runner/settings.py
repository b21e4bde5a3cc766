"""The exploration's settings: the keys of ``train_cfg`` an
:class:`ExploreLoop` takes besides ``max_epochs`` / ``max_iters``, their
defaults (``EXPLORE_KEYS``) and their check (:func:`check_explore_settings`,
one-line errors that name the key)."""
from typing import Any, Dict

from .long_horizon import check_long_horizon
from .strategies import strategy_names

#: lr shapes of a cooldown (``explore_loop.cooldown_factor``)
COOLDOWN_SCHEDULES = ('linear', 'cosine')

EXPLORE_KEYS = dict(
    strategy='ada-segment',  # or 'pbt' (Baseline-P), 'am-lfs' (AM-LFS)
    strategy_cfg=dict(),  # more kwargs of the pbt / am-lfs strategy
    population=8,  # m
    checkpoints=None,  # T; default: intervals in the schedule - 1
    interval=None,  # q iterations; default: one epoch
    sigma=0.2,  # Eq. 2
    reward='local+imp',  # Eq. 5, or 'local' (the reward ablation)
    # ada_segment_rewards' baseline / std_floor; dict(baseline='none',
    # std_floor=0.0) is the paper read literally (PAPER_REWARD)
    reward_cfg=dict(),
    controller=dict(),  # WeightController kwargs (hidden, lr, ...)
    seed=None,  # default: the runner's seed
    metric='coco_panoptic/PQ',  # the reward's v
    # v measured after a copy of the member trained cooldown_iters more
    # iterations with the lr annealed to 0 (candidate (b) of the reward
    # audit; the member goes on from before its cooldown); 0: the paper's
    # v, the PQ one interval later
    cooldown_iters=0,
    cooldown_schedule='linear',  # or 'cosine' (explore_loop.cooldown_factor)
    # dict(members=k, intervals=K): the last k members keep their weights
    # and model K intervals and are rewarded within their group
    # (long_horizon.py); members=0 (default): the paper
    long_horizon=dict())


def check_explore_settings(train_cfg: Dict[str, Any]) -> Dict[str, Any]:
    """The exploration's keys of ``train_cfg`` with the defaults of
    ``EXPLORE_KEYS``; a one-line error naming the key for anything wrong."""
    settings = {
        k: v
        for k, v in train_cfg.items()
        if k not in ('type', 'max_epochs', 'max_iters')
    }
    unknown = sorted(set(settings) - set(EXPLORE_KEYS))
    if unknown:
        raise KeyError(f'train_cfg: unknown ExploreLoop keys {unknown}; '
                       f'expected max_epochs or max_iters and '
                       f'{sorted(EXPLORE_KEYS)}')
    s = {**EXPLORE_KEYS, **settings}
    if not isinstance(s['population'], int) or s['population'] < 2:
        raise ValueError('train_cfg.population must be an integer >= 2 '
                         f'(rewards compare members), got {s["population"]!r}')
    if not s['sigma'] > 0:
        raise ValueError(f'train_cfg.sigma must be > 0, got {s["sigma"]}')
    for key, name in (('checkpoints', 'T'), ('interval', 'q')):
        if s[key] is not None and s[key] < 1:
            raise ValueError(f'train_cfg.{key} ({name}) must be >= 1, got '
                             f'{s[key]}')
    names = strategy_names()
    if s['strategy'] not in names:
        raise ValueError(f'train_cfg.strategy must be one of {names}, '
                         f'got {s["strategy"]!r}')
    if s['strategy_cfg'] and s['strategy'] == 'ada-segment':
        raise ValueError("train_cfg.strategy_cfg is for 'pbt' and 'am-lfs'; "
                         "Ada-Segment's settings are train_cfg.controller and "
                         'reward_cfg')
    if not isinstance(s['cooldown_iters'], int) or s['cooldown_iters'] < 0:
        raise ValueError('train_cfg.cooldown_iters must be an integer >= 0, '
                         f'got {s["cooldown_iters"]!r}')
    if s['cooldown_schedule'] not in COOLDOWN_SCHEDULES:
        raise ValueError("train_cfg.cooldown_schedule must be 'linear' or "
                         f"'cosine', got {s['cooldown_schedule']!r}")
    if s['reward'] not in ('local+imp', 'local'):
        raise ValueError("train_cfg.reward must be 'local+imp' or 'local', "
                         f'got {s["reward"]!r}')
    s['long_horizon'] = check_long_horizon(s['long_horizon'],
                                           s['population'], s['strategy'])
    return s
