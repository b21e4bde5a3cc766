"""An exploration's state after each checkpoint t, and the files made from it.

``explore_state.pth`` holds everything ``resume=True`` continues from: the
loop's state (t as ``checkpoint``, ``l_ref`` = l^1, ``l_best``, ``v_best``,
``best_loss_weights``, M_best^t with its optimizer and lr schedule as
``best_model``, with ``train_cfg.long_horizon`` the open window's start
as ``long_window`` (long_horizon.py), and what the hooks add in
``before_save_checkpoint``), the strategy's state, the report's ``history``
and ``timing``, and what a resumed run must share with it (``loss_names``,
``schedule``, ``strategy_type``: :func:`check_state`). Next to it the
strategy's artifacts (``controller.pth``: every pi^t, what a transfer run
loads; ``am_lfs.pth``) and, at the end, ``best_model.pth`` (M_best^T as an
mmengine checkpoint).

Every file is written atomically (rank 0 writes them); the resume state
first, since it alone decides where a resumed run continues. Files written
by older mmada versions are brought to today's format in one place,
:func:`upgrade_state`.
"""
import os.path as osp
from typing import Any, Dict, List, Optional

from mmada.utils import atomic_torch_save, load_checkpoint_file

STATE_FILE = 'explore_state.pth'
BEST_MODEL_FILE = 'best_model.pth'


def save_state(work_dir: str, state: Dict[str, Any], strategy, *,
               strategy_type: str, loss_names: List[str],
               schedule: Dict[str, int], history: List[Dict[str, Any]],
               timing: Dict[str, float]) -> None:
    """``explore_state.pth``, then the strategy's artifacts.

    Args:
        work_dir (str): Where the files go.
        state (dict): The loop's state after checkpoint t.
        strategy: The exploration strategy (its ``state_dict`` and
            ``artifacts``).
        strategy_type (str): ``train_cfg.strategy``.
        loss_names (list[str]): The weighted losses.
        schedule (dict): T, q, m, the schedule's length and the long
            horizon if any (``ExploreLoop.schedule``).
        history (list[dict]): The report's entries (explore_log.jsonl).
        timing (dict): The report's seconds of training, evaluation and in
            all.
    """
    full = dict(state, strategy=strategy.state_dict(),
                strategy_type=strategy_type, loss_names=loss_names,
                schedule=schedule, history=history, timing=dict(timing))
    atomic_torch_save(full, osp.join(work_dir, STATE_FILE))
    for name, obj in strategy.artifacts(state).items():
        atomic_torch_save(obj, osp.join(work_dir, name))


def load_state(path: str) -> Optional[Dict[str, Any]]:
    """The state in ``path`` in today's format; None if there is none."""
    try:
        state = load_checkpoint_file(path, map_location='cpu')
    except FileNotFoundError:
        return None
    return upgrade_state(state)


def upgrade_state(state: Dict[str, Any]) -> Dict[str, Any]:
    """``state`` as read from a file in today's format (changed in place):
    the one place for the files of older mmada versions.

    - mmada <= 0.2 named lambda ``lam``: ``lam_best`` is now
      ``best_loss_weights``, a history entry's ``lam`` its ``loss_weights``
      and its controller's ``lam_after`` its ``loss_weights_after``;
    - mmada <= 0.3 saved no ``schedule``: None (not checked on resume);
    - mmada 0.3.0 named M_best^t ``member``: now ``best_model``.
    """
    if 'member' in state:
        state['best_model'] = state.pop('member')
    if 'lam_best' in state:
        state['best_loss_weights'] = state.pop('lam_best')
    for entry in state['history']:
        if 'lam' in entry:
            entry['loss_weights'] = entry.pop('lam')
        controller = entry.get('controller') or {}
        if 'lam_after' in controller:
            controller['loss_weights_after'] = controller.pop('lam_after')
    state.setdefault('schedule', None)
    return state


def check_state(path: str, state: Dict[str, Any], loss_names: List[str],
                schedule: Dict[str, int], strategy_type: str) -> None:
    """A one-line error if the state in ``path`` was made for other losses,
    another schedule or another strategy than this run's."""
    if state['loss_names'] != loss_names:
        raise ValueError(f'{path}: made for the losses '
                         f'{state["loss_names"]}, this config weights '
                         f'{loss_names}')
    saved = state['schedule']
    if saved is not None and saved != schedule:
        keys = [*saved, *(k for k in schedule if k not in saved)]
        diff = ', '.join(f'{k} {saved.get(k)} -> {schedule.get(k)}'
                         for k in keys if saved.get(k) != schedule.get(k))
        raise ValueError(f'{path}: made with another exploration schedule '
                         f'({diff}); resume with the settings it was made '
                         'with, or start in a new work_dir')
    if state['strategy_type'] != strategy_type:
        raise ValueError(f'{path}: made by train_cfg.strategy='
                         f'{state["strategy_type"]!r}, this config has '
                         f'{strategy_type!r}')


def save_best_model(work_dir: str, state_dict: Dict[str, Any],
                    dataset_meta: Dict[str, Any],
                    state: Dict[str, Any]) -> None:
    """``best_model.pth``: M_best^T as an mmengine checkpoint (what
    tools/test.py and ``load_from`` take), with the dataset's meta and the
    exploration's t and v_best in its ``meta``."""
    meta = dict(dataset_meta=dataset_meta,
                explore=dict(checkpoint=state['checkpoint'],
                             v_best=state['v_best']))
    atomic_torch_save(dict(meta=meta, state_dict=state_dict),
                      osp.join(work_dir, BEST_MODEL_FILE))
