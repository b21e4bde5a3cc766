"""tools/analysis/controller_toy.py: the known-optimum benchmark runs, and
on its easiest setting the default controller gets closer to the optimum
than where it starts (and the paper's literal reading does not)."""
import re

from e2e import tool


def test_toy_benchmark_table(tmp_path):
    out_md = str(tmp_path / 'toy.md')
    out = tool('analysis/controller_toy.py', '--seeds', '3', '--settings',
               'paper', '--states', 'fixed', '--noise', '1.0', '--variants',
               'paper literal (linear)', 'new default', '--out',
               out_md).stdout
    assert 'ES reference (alpha' in out
    table = open(out_md).read().splitlines()
    assert table[0].startswith('| setting | paper literal (linear) | '
                               'new default | ES reference')
    row = table[2]
    assert row.startswith('| paper (m=8, T=12), fixed state, noise 1.0 |')
    finals = [float(x) for x in re.findall(r'\| ([0-9.]+) ±', row)]
    literal, default, es = finals
    assert default < 0.45 < literal  # the start is ~0.5
    assert es < 0.45
