"""tools/analysis/same_numbers.py: HEAD against itself gives the same numbers
(every comparison runs, and a difference would be reported)."""
import pytest

from e2e import tool


@pytest.mark.e2e
def test_head_against_head_is_the_same(tmp_path):
    out = tool('analysis/same_numbers.py', 'HEAD', '--work-dir',
               str(tmp_path)).stdout
    lines = [line for line in out.splitlines()
             if line.startswith(('same:', 'DIFFERENT:'))]
    assert len(lines) == 7, out[-3000:]
    assert all(line.startswith('same:') for line in lines), lines
