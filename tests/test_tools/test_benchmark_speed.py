"""tools/analysis/benchmark_speed.py runs (a smoke run on a few
iterations), so the README's speed figure can be reproduced."""
import pytest
from e2e import tool


@pytest.mark.e2e
def test_benchmark_speed_runs():
    out = tool('analysis/benchmark_speed.py', '--iters', '2', '--rounds',
               '1', '--warmup', '1').stdout
    assert 'ratio weighted / plain:' in out
    assert 'added work timed directly:' in out
