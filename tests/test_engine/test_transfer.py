"""Policy transfer end to end: a fresh training driven by the controller an
exploration saved (Eq. 7 and the Table 2 modes)."""
import os
import re

import pytest
import torch
from e2e import SMALL, tool

from mmada.controller import PolicyEnsemble
from mmada.utils import load_checkpoint_file

TRANSFER = ('configs/ada_segment/'
            'ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic.py')
# 3 epochs of 16 iterations: the pseudo interval + E = 2 weighted ones
OPTIONS = ['train_cfg.max_epochs=3', *SMALL]


def logged(output):
    """{interval: (l^{interval-1}, loss_weights)} from the rule's log lines."""
    found = {}
    for interval, e, losses, lam in re.findall(
            r'interval (\d+)/3: l\^(\d+) = \[([^\]]*)\]; loss_weights = '
            r'\[([^\]]*)\]', output):
        assert int(e) == int(interval) - 1
        found[int(interval)] = (parse(losses), parse(lam))
    return found


def parse(body):
    return {k: float(v) for k, v in (i.split('=') for i in body.split(', '))}


def moved_controller(explored, path):
    """The small exploration's controller with its snapshots' output
    biases set apart from 0: its members tie at this size, so pi^t is still
    pi^0, whose lambda is 1 at every state (residual output)."""
    state = load_checkpoint_file(os.path.join(explored, 'controller.pth'))
    for t, snapshot in enumerate(state['snapshots'], 1):
        bias = snapshot['fc3.bias']
        snapshot['fc3.bias'] = torch.linspace(-1, 1, len(bias),
                                              dtype=bias.dtype) * t
    torch.save(state, path)
    return path


# fnmatch patterns resolve at the first iteration, in another order than
# the controller's (sorted per pattern: loss_bbox before loss_cls)
PATTERNS = 'loss_weighting.losses=[s?.loss_*,loss_seg]'


@pytest.mark.e2e
@pytest.mark.parametrize('mode, options', [
    ('comb-dy', []), ('single-dy', []), ('pred', []), ('final', []),
    ('untrained', []), ('comb-dy', [PATTERNS])
], ids=['comb-dy', 'single-dy', 'pred', 'final', 'untrained', 'patterns'])
def test_transfer_follows_eq7(explored, tmp_path, mode, options):
    controller = moved_controller(explored, str(tmp_path / 'controller.pth'))
    out = tool('train.py', TRANSFER, '--work-dir', str(tmp_path),
               '--cfg-options',
               f'custom_hooks.1.weighting.controller={controller}',
               f'custom_hooks.1.weighting.mode={mode}', *OPTIONS,
               *options).stdout
    lines = logged(out)
    assert sorted(lines) == [2, 3]  # interval 1: the pseudo one (weights 1)
    losses = {i - 1: lines[i][0] for i in lines}  # l^e, e = 1, 2
    lam = {i: lines[i][1] for i in lines}
    state = load_checkpoint_file(controller)
    ensemble = PolicyEnsemble.from_state_dict(state, mode=mode)
    names = state['loss_names']
    l_ref = [losses[1][n] for n in names]  # the run's own l^1
    for e in (1, 2):  # interval e + 1 uses lambda^{e+1} from l^e
        expected = ensemble.loss_weights([losses[e][n] for n in names],
                                         l_ref, e, 2)
        got = [lam[e + 1][n] for n in names]
        assert got == pytest.approx(expected.tolist(), rel=1e-4)
    if mode == 'untrained':  # pi^0 of the residual output: the Baseline
        assert all(w == 1.0 for e in (2, 3) for w in lam[e].values())
    else:
        assert any(abs(w - 1) > 1e-3 for w in lam[2].values())
    if options:  # the run's own order differs: weights matched by name
        assert list(lam[2]) != names and sorted(lam[2]) == sorted(names)
    ckpt = load_checkpoint_file(str(tmp_path / 'epoch_3.pth'))
    state = ckpt['loss_weights']
    assert state['weighting']['interval_count'] == 3
    assert dict(zip(state['names'],
                    state['weighting']['l_ref'])) == pytest.approx(
        dict(zip(names, l_ref)), rel=1e-4)
