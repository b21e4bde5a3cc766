"""Policy rewards of Ada-Segment (Eqs. 3-5). Pure numpy.

Conventions:

- Only the VALID members (no negative entry in their sampled weights) are
  scored; the ``v`` of an invalid member is ignored (may be NaN or None) and
  the member gets reward exactly -1.0, not scaled by t/T (paper: "given -1
  as the reward directly").
- std is the population std (ddof=0: "zero mean and unit variance").
- Degenerate case: with fewer than 2 valid members, or a std <= 1e-12 (all
  equal), both normalised terms are 0 for every valid member (no
  information; never NaN or inf).
- ``v_best_prev`` is v_best^{t-1}; at t = 1 it is, by convention, the PQ of
  the initial model after the pseudo epoch (the runner passes it).

Two switches the paper does not have (``baseline='none', std_floor=0`` is
the paper read literally, ``PAPER_REWARD``):

- ``baseline='mean'`` (default) subtracts the mean reward of the valid
  members (the usual REINFORCE baseline) after the t/T scaling. Eq. 4 is
  not centred: whenever PQ improves, r_imp is a large positive number for
  every member, and ``c * mean_j grad log s_j`` (expectation 0) drowns the
  signal of Eq. 6. Centred, ``r_imp - mean(r_imp) = r_local`` exactly
  (``v_imp`` and ``v`` differ by a constant and share their std), so the
  centred reward is ``2 t/T r_local``: the improvement term keeps no
  information of its own once the offset is gone
  (configs/ada_segment/README.md, choice 10).
- ``std_floor`` (default 1e-3): the std of Eqs. 3 and 4 is at least
  ``std_floor * mean(|v|)`` (relative to the PQ's own scale), so members
  that tie to within 0.1 % of PQ get small rewards instead of +-1 (Eq. 3)
  or ~1e6 (Eq. 4: ``v_imp / std`` with a tiny std).

``noise`` (default 0, none): an absolute floor of the std of Eqs. 3 and 4
in v's units, e.g. the bootstrap standard error of PQ over the proxy val
images (``PanopticMetric(bootstrap=...)``'s ``PQ_se``, the mean over the
valid members; ``train_cfg.reward_cfg.noise_floor=True``): members whose PQs
differ by less than the evaluation's own noise get rewards well below 1 in
size, so ties reward nothing (``v = [50.0, 50.2]``, std 0.1, noise 0.5 ->
r_local = [-0.2, 0.2]). It applies with ``normalise='std'`` only.

A third, off by default: ``normalise='rank'`` feeds Eqs. 3 and 4 the ranks
of the valid members' PQ instead of the PQ itself (the "fitness shaping"
of evolution strategies): a member's rank is the number of valid members
below it (ties count half), ``v_best_prev`` is ranked the same way against
them, e.g. ``v = [0.3, 0.1, 0.2], v_best_prev = 0.25`` -> ranks ``[2, 0,
1]`` and 2 (the members below 0.25) - 0.5 = 1.5. One outlier then moves
the rewards no more than any other member does. The std floor does not
apply to ranks (their std is >= 0.5 unless all tie).
"""
from typing import Optional, Sequence, Tuple

import numpy as np

INVALID_REWARD = -1.0
_MIN_STD = 1e-12
BASELINES = ('mean', 'none')
NORMALISATIONS = ('std', 'rank')
DEFAULT_STD_FLOOR = 1e-3
# the paper's Eqs. 3-5 read literally
PAPER_REWARD = dict(baseline='none', std_floor=0.0)


def _standardise(values: np.ndarray, offset: float,
                 floor: float = 0.0) -> np.ndarray:
    """``(values - offset) / max(std(values), floor)`` (ddof 0), zeros if
    degenerate."""
    std = float(np.std(values)) if values.size >= 2 else 0.0
    if std <= _MIN_STD:
        return np.zeros_like(values)
    return (values - offset) / max(std, floor)


def _floor(v: np.ndarray, std_floor: float) -> float:
    return std_floor * float(np.mean(np.abs(v))) if v.size else 0.0


def local_reward(v: np.ndarray, std_floor: float = 0.0) -> np.ndarray:
    """Eq. 3: ``(v - mean(v)) / std(v)`` over the given (valid) members;
    the std is at least ``std_floor * mean(|v|)``."""
    v = np.asarray(v, dtype=np.float64)
    return _standardise(v, float(np.mean(v)) if v.size else 0.0,
                        _floor(v, std_floor))


def improvement_reward(v: np.ndarray,
                       v_best_prev: float,
                       std_floor: float = 0.0) -> np.ndarray:
    """Eq. 4: ``v_imp / std(v_imp)`` with ``v_imp = v - v_best_prev``; the
    std is at least ``std_floor * mean(|v|)``."""
    v = np.asarray(v, dtype=np.float64)
    return _standardise(v - float(v_best_prev), 0.0, _floor(v, std_floor))


def ranks(values: np.ndarray, of: np.ndarray) -> np.ndarray:
    """The rank of each entry of ``of`` among ``values``: how many values
    are below it, ties counted half, minus 0.5 for the entry itself when
    it is one of them (the values' own ranks are 0..k-1 with no tie)."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    of = np.asarray(of, dtype=np.float64).reshape(-1)
    below = (values[None, :] < of[:, None]).sum(1)
    equal = (values[None, :] == of[:, None]).sum(1)
    return below + 0.5 * equal - 0.5


def reward_terms(v: np.ndarray,
                 v_best_prev: float,
                 std_floor: float = 0.0,
                 normalise: str = 'std',
                 noise: float = 0.0) -> Tuple[np.ndarray, np.ndarray]:
    """(r_local, r_imp) of the given (valid) members: Eqs. 3 and 4 (on
    ranks with ``normalise='rank'``; the std floors: see the module
    docstring)."""
    if normalise not in NORMALISATIONS:
        raise ValueError(f'`normalise` must be one of {NORMALISATIONS}, '
                         f'got {normalise!r}')
    if not noise >= 0:
        raise ValueError(f'`noise` must be >= 0, got {noise}')
    v = np.asarray(v, dtype=np.float64)
    if normalise == 'rank':
        v, v_best_prev = ranks(v, v), float(ranks(v, [v_best_prev])[0])
        return local_reward(v), improvement_reward(v, v_best_prev)
    floor = max(_floor(v, std_floor), float(noise))
    return (_standardise(v, float(np.mean(v)) if v.size else 0.0, floor),
            _standardise(v - float(v_best_prev), 0.0, floor))


def ada_segment_rewards(v: Sequence[Optional[float]],
                        v_best_prev: float,
                        checkpoint: int,
                        num_checkpoints: int,
                        valid: Sequence[bool],
                        use_improvement: bool = True,
                        baseline: str = 'mean',
                        std_floor: float = DEFAULT_STD_FLOOR,
                        normalise: str = 'std',
                        noise: float = 0.0) -> np.ndarray:
    """Eq. 5: ``r = (t / T) * (r_local + r_imp) - b``; invalid members get
    -1 (``b`` = 0 in the paper, see ``baseline``).

    Args:
        v (Sequence[float | None]): PQ of each of the m members at checkpoint
            t; entries of invalid members are ignored.
        v_best_prev (float): v_best^{t-1} (at t = 1: the PQ of the initial
            model after the pseudo epoch).
        checkpoint (int): t, 1-based.
        num_checkpoints (int): T.
        valid (Sequence[bool]): Mask of valid members, length m (see
            ``WeightController.is_valid``).
        use_improvement (bool): If False, ``r = (t / T) * r_local`` (the
            paper's "r_local alone" ablation). Defaults to True.
        baseline (str): 'mean' subtracts the valid members' mean reward
            (b above); 'none' is the paper's. Defaults to 'mean'.
        std_floor (float): Floor of the std of Eqs. 3-4, relative to
            mean(|v|); 0 is the paper's. Defaults to 1e-3.
        normalise (str): 'std' (Eqs. 3-4 on PQ, the paper's) or 'rank'
            (on the members' ranks, see the module docstring). Defaults
            to 'std'.
        noise (float): Absolute floor of the std of Eqs. 3-4 in v's units
            (the evaluation's standard error); 0: none. Defaults to 0.

    Returns:
        np.ndarray: The rewards, float64, shape (m, ).
    """
    if num_checkpoints < 1:
        raise ValueError(
            f'`num_checkpoints` must be >= 1, got {num_checkpoints}')
    if not 1 <= checkpoint <= num_checkpoints:
        raise ValueError(f'`checkpoint` must be in [1, num_checkpoints='
                         f'{num_checkpoints}], got {checkpoint}')
    if baseline not in BASELINES:
        raise ValueError(f'`baseline` must be one of {BASELINES}, got '
                         f'{baseline!r}')
    if not std_floor >= 0:
        raise ValueError(f'`std_floor` must be >= 0, got {std_floor}')
    valid = np.asarray(valid, dtype=bool).reshape(-1)
    if len(v) != valid.size:
        raise ValueError(f'`v` and `valid` must have the same length, got '
                         f'{len(v)} and {valid.size}')
    v_valid = np.array([float(v[j]) for j in np.flatnonzero(valid)],
                       dtype=np.float64)
    if not np.isfinite(v_valid).all() or not np.isfinite(v_best_prev):
        raise ValueError('`v` of valid members and `v_best_prev` must be '
                         f'finite, got {v_valid.tolist()} and {v_best_prev}')
    r_local, r_imp = reward_terms(v_valid, v_best_prev, std_floor,
                                  normalise, noise)
    reward = r_local + r_imp if use_improvement else r_local
    reward = checkpoint / num_checkpoints * reward
    if baseline == 'mean' and reward.size:
        reward = reward - reward.mean()
    rewards = np.full(valid.size, INVALID_REWARD, dtype=np.float64)
    rewards[valid] = reward
    return rewards
