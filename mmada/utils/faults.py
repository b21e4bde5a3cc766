"""Fault injection for the crash-safety tests: ``MMADA_FAULT=<point>[@k][#r]``
acts the k-th time (default 1st) the process (with ``#r``: only the process
of rank r, from torchrun's ``RANK``) reaches the named point:
``fault_point`` kills it (SIGKILL, no clean-up), ``fault_hit`` just says so
(e.g. to make a loss NaN). Unset, a point costs one environment lookup.
Used by tools/analysis/fault_injection.py and the tests."""
import os
import signal
from collections import Counter

_reached: Counter = Counter()


def fault_hit(name: str) -> bool:
    """Whether ``MMADA_FAULT`` names this point and this is its k-th visit."""
    spec = os.environ.get('MMADA_FAULT')
    if not spec:
        return False
    spec, _, rank = spec.partition('#')
    if rank and os.environ.get('RANK', '0') != rank:
        return False
    point, _, count = spec.partition('@')
    if point != name:
        return False
    _reached[name] += 1
    return _reached[name] == int(count or 1)


def fault_point(name: str) -> None:
    """Die here if ``MMADA_FAULT`` names this point (see module doc)."""
    if fault_hit(name):
        os.kill(os.getpid(), signal.SIGKILL)
