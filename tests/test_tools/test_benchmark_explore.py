"""tools/analysis/benchmark_explore.py runs (a smoke run: m=2, T=2, q=4 on
the small slice, 1 and 2 processes, then the reward evaluation)."""
import pytest
from e2e import EXPLORE_SMALL, tool


@pytest.mark.e2e
def test_benchmark_explore_runs(tmp_path):
    out = tool('analysis/benchmark_explore.py', '--work-dir', str(tmp_path),
               '--threads', '1', '--cfg-options', *EXPLORE_SMALL).stdout
    assert 'exploration train_cfg.population=2' in out
    assert '1 process x 1 threads: wall' in out
    assert '2 processes x 1 thread: wall' in out
    assert 'speed-up 1 -> 2 processes' in out
    assert 'reward evaluation (80 proxy val images)' in out
