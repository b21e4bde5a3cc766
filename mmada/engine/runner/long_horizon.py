"""A second, longer horizon in the population (``train_cfg.long_horizon``),
in the spirit of FIRE-PBT (Dalibard & Jaderberg, 2021): a candidate
against the short-horizon bias of the reward (issue 23).

``long_horizon=dict(members=k, intervals=K)``: the last k of the m members
form the long group. The checkpoints are cut into windows of K
(``[1, K], [K + 1, 2K], ...``, the last one ends at T). At a window's first
checkpoint the long members take their samples of that checkpoint (Eq. 2
around pi(l_best) of then) and M_best^{t-1}; they keep those weights and
their own model for the whole window and are evaluated only at its end (in
between their explore_log entry is ``pending``). At the window's end they
are rewarded within their group (Eqs. 3-5 over the k members, r_imp
against v_best of the window's start), their log-densities taken at the
window's start state, in the same Eq. 6 step as the short group's, so
every checkpoint still makes one pi^t for Eq. 7. M_best^t is the best
member of either group: the long group's best replaces the broadcast model
only when its PQ is higher.

``members=0`` (the default) is the paper: every member one interval.
Cost: the same member-intervals as the paper's exploration, k fewer
evaluations at each checkpoint inside a window (about 1x).
"""
from typing import Any, Dict, List, Optional, Tuple

#: train_cfg.long_horizon's keys and defaults (members=0: the paper)
LONG_HORIZON_KEYS = dict(members=0, intervals=3)


def check_long_horizon(cfg: Optional[Dict[str, Any]], population: int,
                       strategy: str) -> Dict[str, int]:
    """``train_cfg.long_horizon`` with its defaults; a one-line error naming
    the key for anything wrong."""
    cfg = dict(cfg or {})
    unknown = sorted(set(cfg) - set(LONG_HORIZON_KEYS))
    if unknown:
        raise KeyError(f'train_cfg.long_horizon: unknown keys {unknown}; '
                       f'expected {sorted(LONG_HORIZON_KEYS)}')
    s = {**LONG_HORIZON_KEYS, **cfg}
    k, K = s['members'], s['intervals']
    if not isinstance(k, int) or k < 0:
        raise ValueError('train_cfg.long_horizon.members must be an integer '
                         f'>= 0, got {k!r}')
    if not isinstance(K, int) or K < 2:
        raise ValueError('train_cfg.long_horizon.intervals must be an '
                         f'integer >= 2 (1 is the short horizon), got {K!r}')
    if k and (k < 2 or population - k < 2):
        raise ValueError(
            'train_cfg.long_horizon.members: each group needs >= 2 members '
            f'(rewards compare members within it), got members={k} of '
            f'population={population}')
    if k and strategy != 'ada-segment':
        raise ValueError('train_cfg.long_horizon is for '
                         "strategy='ada-segment', got "
                         f'strategy={strategy!r}')
    return s


class LongHorizon:
    """Which members are long, and the windows of K checkpoints.

    Args:
        members (int): k, the last k members are long.
        intervals (int): K, the window's length in checkpoints.
        population (int): m.
        num_checkpoints (int): T.
    """

    def __init__(self, members: int, intervals: int, population: int,
                 num_checkpoints: int) -> None:
        self.members = list(range(population - members, population))
        self.intervals = intervals
        self.num_checkpoints = num_checkpoints

    def is_long(self, member: int) -> bool:
        return member in self.members

    def window(self, t: int) -> Tuple[int, int]:
        """(first, last) checkpoint of the window holding checkpoint t."""
        first = 1 + (t - 1) // self.intervals * self.intervals
        return first, min(first + self.intervals - 1, self.num_checkpoints)

    def starts(self, t: int) -> bool:
        return self.window(t)[0] == t

    def ends(self, t: int) -> bool:
        return self.window(t)[1] == t

    def open_window(self, t: int, state: Dict[str, Any],
                    samples) -> Dict[str, Any]:
        """What the window starting at t keeps (in the loop's state, so a
        resume can re-train the long members): its first checkpoint, the
        long members' samples, and l_best, v_best and M_best^{t-1} of
        then."""
        return dict(first=t, samples=samples[self.members].clone(),
                    l_best=state['l_best'], v_best=state['v_best'],
                    best_model=state['best_model'])

    def samples(self, samples, window: Dict[str, Any]):
        """This checkpoint's samples with the long members' rows those of
        their window (a copy)."""
        samples = samples.clone()
        samples[self.members] = window['samples']
        return samples

    def group(self, t: int, window: Dict[str, Any]) -> Dict[str, Any]:
        """The long group as the strategy's ``learn`` takes it."""
        return dict(members=self.members, evaluated=self.ends(t),
                    l_best=window['l_best'], v_best=window['v_best'])

    def pending(self, state: Dict[str, Any]) -> List[int]:
        """The checkpoints of the open window already trained when the loop
        stopped after ``state['checkpoint']`` (empty if no window is open):
        what a resume re-trains."""
        window, t = state.get('long_window'), state['checkpoint']
        if window is None or t < window['first'] or self.ends(t):
            return []
        return list(range(window['first'], t + 1))
