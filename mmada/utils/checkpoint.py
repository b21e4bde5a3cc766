"""Weights-only checkpoint loading with an allow-list.

mmengine 0.10.7 calls ``torch.load(filename, map_location)``; since torch 2.6
``weights_only`` defaults to True and resuming an mmengine checkpoint fails
with ``UnpicklingError`` (its message hub holds numpy arrays and
``HistoryBuffer`` objects). Switching weights-only loading off would let a
crafted file run code. Instead, importing mmada replaces mmengine's loader for
local files with one that keeps ``weights_only=True`` and allow-lists exactly
the types that mmengine's and mmada's own checkpoints carry.
"""
import inspect
import pickle
from typing import Any, List, Optional

import numpy as np
import torch
from mmengine.runner.checkpoint import CheckpointLoader

_EXTRA_SAFE_GLOBALS: List[Any] = []


def _numpy_globals() -> List[Any]:
    try:
        multiarray = np._core.multiarray  # numpy >= 2
    except AttributeError:
        multiarray = np.core.multiarray
    dtypes = (np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64,
              np.uint16, np.uint32, np.uint64, np.float16, np.float32,
              np.float64, np.str_)
    return [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype
            ] + [type(np.dtype(t)) for t in dtypes]


def _history_buffer_method(owner: Any, name: str) -> Any:
    """The only ``getattr`` a checkpoint may call.

    mmengine's message hub saves ``HistoryBuffer`` objects whose
    ``statistics_methods`` hold the class's functions (``min``, ``mean``...),
    which pickle writes as ``getattr(HistoryBuffer, 'min')``. A general
    ``getattr`` would reach anything (``getattr(os, 'system')``); this one
    only returns HistoryBuffer's registered statistics methods.
    """
    from mmengine.logging import HistoryBuffer
    if (isinstance(owner, type) and issubclass(owner, HistoryBuffer)
            and name in {'min', 'max', 'current', 'mean',
                         *HistoryBuffer._statistics_methods}
            and inspect.isfunction(getattr(owner, name, None))):
        return getattr(owner, name)
    raise pickle.UnpicklingError(
        f'refused getattr({owner!r}, {name!r}): only HistoryBuffer\'s '
        'statistics methods may be looked up')


def safe_globals() -> List[Any]:
    """Types allowed in a checkpoint besides tensors and plain containers."""
    from mmengine.config import ConfigDict
    from mmengine.logging import HistoryBuffer
    return _numpy_globals() + [
        HistoryBuffer, ConfigDict, slice,
        (_history_buffer_method, 'builtins.getattr')
    ] + _EXTRA_SAFE_GLOBALS


def add_safe_globals(types: List[Any]) -> None:
    """Allow more types in checkpoints (only for files you trust).

    Args:
        types (list): Classes or functions to allow-list.
    """
    _EXTRA_SAFE_GLOBALS.extend(types)


def load_checkpoint_file(filename: str,
                         map_location: Optional[Any] = None) -> Any:
    """``torch.load`` with ``weights_only=True`` and mmada's allow-list.

    Args:
        filename (str): Path of a file written by ``torch.save``.
        map_location: As in :func:`torch.load`.

    Returns:
        The loaded object.

    Raises:
        FileNotFoundError: The file does not exist.
        pickle.UnpicklingError: The file holds a type outside the allow-list
            (the message names the file and the type).
    """
    import os.path as osp
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        with torch.serialization.safe_globals(safe_globals()):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        lines = str(e).strip().splitlines()
        reason = next((ln.strip() for ln in lines if 'GLOBAL' in ln),
                      lines[0] if lines else 'unpickling error')
        raise pickle.UnpicklingError(
            f'{filename}: refused to load: it holds something outside '
            f'mmada\'s weights-only allow-list ({reason.split(". ")[0]}). '
            'If you trust the file, allow the type with '
            'mmada.utils.add_safe_globals([...]).') from e


def _load_from_local(filename: str, map_location: Optional[Any]) -> Any:
    return load_checkpoint_file(filename, map_location)


CheckpointLoader.register_scheme(prefixes='', force=True)(_load_from_local)
