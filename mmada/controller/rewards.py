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
"""
from typing import Optional, Sequence

import numpy as np

INVALID_REWARD = -1.0
_MIN_STD = 1e-12


def _standardise(values: np.ndarray, offset: float) -> np.ndarray:
    """``(values - offset) / std(values)`` (ddof 0), zeros if degenerate."""
    std = float(np.std(values)) if values.size >= 2 else 0.0
    if std <= _MIN_STD:
        return np.zeros_like(values)
    return (values - offset) / std


def local_reward(v: np.ndarray) -> np.ndarray:
    """Eq. 3: ``(v - mean(v)) / std(v)`` over the given (valid) members."""
    v = np.asarray(v, dtype=np.float64)
    return _standardise(v, float(np.mean(v)) if v.size else 0.0)


def improvement_reward(v: np.ndarray, v_best_prev: float) -> np.ndarray:
    """Eq. 4: ``v_imp / std(v_imp)`` with ``v_imp = v - v_best_prev``."""
    v_imp = np.asarray(v, dtype=np.float64) - float(v_best_prev)
    return _standardise(v_imp, 0.0)


def ada_segment_rewards(v: Sequence[Optional[float]],
                        v_best_prev: float,
                        checkpoint: int,
                        num_checkpoints: int,
                        valid: Sequence[bool],
                        use_improvement: bool = True) -> np.ndarray:
    """Eq. 5: ``r = (t / T) * (r_local + r_imp)``; invalid members get -1.

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

    Returns:
        np.ndarray: The rewards, float64, shape (m, ).
    """
    if num_checkpoints < 1:
        raise ValueError(
            f'`num_checkpoints` must be >= 1, got {num_checkpoints}')
    if not 1 <= checkpoint <= num_checkpoints:
        raise ValueError(f'`checkpoint` must be in [1, num_checkpoints='
                         f'{num_checkpoints}], got {checkpoint}')
    valid = np.asarray(valid, dtype=bool).reshape(-1)
    if len(v) != valid.size:
        raise ValueError(f'`v` and `valid` must have the same length, got '
                         f'{len(v)} and {valid.size}')
    v_valid = np.array([float(v[j]) for j in np.flatnonzero(valid)],
                       dtype=np.float64)
    if not np.isfinite(v_valid).all() or not np.isfinite(v_best_prev):
        raise ValueError('`v` of valid members and `v_best_prev` must be '
                         f'finite, got {v_valid.tolist()} and {v_best_prev}')
    reward = local_reward(v_valid)
    if use_improvement:
        reward = reward + improvement_reward(v_valid, v_best_prev)
    rewards = np.full(valid.size, INVALID_REWARD, dtype=np.float64)
    rewards[valid] = checkpoint / num_checkpoints * reward
    return rewards
