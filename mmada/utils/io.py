"""Atomic file writes: a reader never sees a half-written file.

Every file mmada writes that a later run reads back (checkpoints, controller
files, the per-checkpoint JSON log) goes through :func:`atomic_write`: the
bytes go to a temporary file in the same directory, are flushed and fsynced,
and the file is renamed over the target (``os.replace`` is atomic on POSIX).
"""
import io
import json
import os
import tempfile
from contextlib import contextmanager
from typing import Any, Iterator

import torch


@contextmanager
def atomic_write(path: str, mode: str = 'wb') -> Iterator[Any]:
    """Open a temporary file that replaces ``path`` when the block succeeds.

    Args:
        path (str): The final file path.
        mode (str): ``'wb'`` or ``'w'``. Defaults to ``'wb'``.

    Yields:
        file: The open temporary file.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=directory, prefix=f'.{os.path.basename(path)}.', suffix='.tmp')
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give open()'s mode
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_dir(directory)


def _fsync_dir(directory: str) -> None:
    """Persist a rename (best effort: not every filesystem allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_torch_save(obj: Any, path: str) -> None:
    """``torch.save`` to ``path`` atomically."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    with atomic_write(path, 'wb') as f:
        f.write(buffer.getvalue())


def atomic_json_dump(obj: Any, path: str, **kwargs) -> None:
    """``json.dump`` to ``path`` atomically."""
    with atomic_write(path, 'w') as f:
        json.dump(obj, f, **kwargs)
