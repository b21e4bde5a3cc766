"""tools/analysis/controller_toy.py: the known-optimum benchmark runs, and
on its easiest setting the default controller gets closer to the optimum
than where it starts (and the paper's literal reading does not); the
default (log sampling) has no invalid sample; ``--controller`` adds a
variant."""
import math
import re

import pytest
from e2e import tool


@pytest.mark.e2e
def test_toy_benchmark_table(tmp_path):
    out_md = str(tmp_path / 'toy.md')
    out = tool('analysis/controller_toy.py', '--seeds', '3', '--settings',
               'paper', '--states', 'fixed', '--noise', '1.0', '--variants',
               'paper literal (linear)',
               'mmada 0.2 (linear sampling, beta1 0.9)',
               'default (log sampling, beta1 0.7)', '--controller',
               'sampling=log', 'betas=0.0,0.999', '--out', out_md).stdout
    assert 'ES reference (alpha' in out
    assert "custom: WeightController(**{'sampling': 'log', 'betas': " \
        '(0.0, 0.999)})' in out
    table = open(out_md).read().splitlines()
    assert table[0].startswith('| setting | paper literal (linear) | '
                               'mmada 0.2 (linear sampling, beta1 0.9) | '
                               'default (log sampling, beta1 0.7) | custom '
                               '| AM-LFS | ES reference')
    row = table[2]
    assert row.startswith('| paper (m=8, T=12), fixed state, noise 1.0 |')
    finals = [float(x) for x in re.findall(r'\| ([0-9.]+) ±', row)]
    literal, v02, default, custom, am_lfs, es = finals
    assert max(v02, default, custom) < 0.45 < literal  # start ~0.5
    assert es < 0.45 and am_lfs < 0.5  # AM-LFS learns too
    assert 'AM-LFS (Adam lr 0.05)' in out
    # the invalid-sample table: the literal reading loses samples, log
    # sampling none
    invalid = table[-1]
    assert invalid.startswith('| paper (m=8, T=12), fixed state, noise 1.0 |')
    literal, v02, default, custom, am_lfs = [
        float(x) for x in invalid.split('|')[2:-1]
    ]
    assert literal > 10 and default == custom == am_lfs == 0


def test_linear_sampling_offset_by_hand():
    """To second order in sigma / mu, E log(mu + sigma eps) = log mu -
    sigma^2 / (2 mu^2) and Var = sigma^2 / mu^2; minimising (E - a)^2 + Var
    over log mu gives log mu* - a = 1.5 sigma^2 / mu^2: 0.06 at lam* = 1,
    0.06 / e^2 = 0.0081 at lam* = e (the toy's sigma 0.2)."""
    import importlib.util
    import os.path as osp
    path = osp.join(osp.dirname(__file__), '..', '..', 'tools', 'analysis',
                    'controller_toy.py')
    spec = importlib.util.spec_from_file_location('controller_toy', path)
    toy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(toy)
    assert toy.sampling_offset(0.0) == pytest.approx(0.06, rel=0.05)
    assert toy.sampling_offset(1.0) == pytest.approx(0.06 / math.e**2,
                                                     rel=0.1)
    # and it vanishes with the spread (sigma -> 0)
    assert toy.sampling_offset(1.0, sigma=1e-3) == pytest.approx(0, abs=1e-4)
