"""tools/run_demo.py's progress: the log-line parser and the status line
(no subprocess)."""
import importlib.util
import io
import os.path as osp

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    'run_demo', osp.join(REPO, 'tools', 'run_demo.py'))
run_demo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_demo)

PREFIX = '11/28 14:27:27 - mmengine - INFO - '
PLAN = (PREFIX + "[explore] m=4 members, T=3 checkpoints, q=50 iterations "
        "per interval (+ the pseudo epoch), sigma=0.2, reward=local+imp; 10 "
        "weighted losses ['s0.loss_cls']; proxy train 400 images")


def test_exploration_lines():
    p = run_demo.Progress('exploration')
    p.start = 0.0
    for line in ('garbage', '', '\x1b[31mcolour\x1b[0m', PLAN):
        p.feed(line, now=1.0)
    assert (p.population, p.num_checkpoints) == (4, 3)
    assert p.describe(now=1.0) == 'exploration: m=4 T=3, starting'
    p.feed(PREFIX + '[explore] pseudo epoch: all loss weights 1', now=2.0)
    assert p.describe(now=2.0) == 'exploration: m=4 T=3, pseudo epoch'
    # no ETA logged yet: estimated from the members done (1 of 12 in 10 s)
    p.feed(PREFIX + '[explore] checkpoint 1/3, member 1/4: training 50 '
           'iterations', now=5.0)
    assert p.eta_left(now=5.0) is None
    p.feed(PREFIX + '[explore] checkpoint 1/3, member 2/4: training 50 '
           'iterations', now=10.0)
    assert p.eta_left(now=10.0) == pytest.approx(10.0 / 1 * 11)
    p.feed(PREFIX + '[explore] checkpoint 2/3, member 3/4: training 50 '
           'iterations, ETA 0:01:44', now=100.0)
    assert p.describe(now=104.0) == (
        'exploration: checkpoint 2/3 member 3/4, training, ETA 0:01:40')
    # mmengine's lines of a member's training do not count here
    p.feed(PREFIX + 'Epoch(train) [2][12/8]  eta: 0:09:00  loss: 1', now=105)
    p.feed(PREFIX + '[explore] evaluating on 80 proxy val images', now=110.0)
    assert p.describe(now=110.0).endswith(
        'member 3/4, evaluating, ETA 0:01:34')
    assert p.eta_left(now=1000.0) == 0.0  # counted down, never negative
    p.feed(PREFIX + '[explore] done: best PQ on the proxy val split 11.47')
    assert p.describe() == 'exploration: checkpoint 2/3 member 3/4, done'


@pytest.mark.parametrize('line', [
    '[explore] checkpoint 2/3 member 1/4',
    'INFO [explore] Checkpoint 2 / 3; member 1 / 4 (training 50 iterations)',
    'checkpoint 2/3, member 1/4: training, eta 0:00:30',
])
def test_tolerant_member_lines(line):
    p = run_demo.Progress('x')
    p.feed(line)
    assert (p.checkpoint, p.member) == ((2, 3), (1, 4))


def test_training_and_evaluation_lines():
    p = run_demo.Progress('Baseline training', max_epochs=6)
    p.feed(PREFIX + 'Epoch(train) [2][ 40/100]  lr: 1.5793e-02  eta: '
           '0:03:49  time: 0.4107  data_time: 0.0086  loss: 3.6075', now=0.0)
    assert p.describe(now=9.0) == (
        'Baseline training: epoch 2/6 iter 40/100, training, ETA 0:03:40')
    p.feed(PREFIX + 'Epoch(val) [2][1/20]    eta: 0:00:19  time: 1.26',
           now=10.0)
    assert p.describe(now=10.0) == ('Baseline training: epoch 2/6 iter '
                                    '40/100, evaluating 1/20, ETA 0:00:19')
    p.feed(PREFIX + 'Epoch(train) [3][20/100]  eta: 1 day, 0:00:05  loss: 1',
           now=20.0)
    assert p.eta_left(now=20.0) == 86405
    assert p.milestone() == ('training', None, None, 3)
    test = run_demo.Progress('testing')
    test.feed(PREFIX + 'Epoch(test) [30/30]    coco_panoptic/PQ: 12.3')
    assert test.describe() == 'testing: evaluating 30/30'


class _Terminal(io.StringIO):

    def isatty(self):
        return True


def test_status_line():
    pipe = io.StringIO()
    status = run_demo.StatusLine(pipe, every=3600)
    status.show('a, ETA 0:10:00', key=1)
    status.show('a, ETA 0:09:59', key=1)  # only the counters moved
    status.show('b', key=2)
    status.finish('done')
    assert pipe.getvalue() == 'a, ETA 0:10:00\nb\ndone\n'
    term = _Terminal()
    status = run_demo.StatusLine(term)
    status.show('long status', key=1)
    status.show('short', key=1)
    status.finish('done')
    assert term.getvalue() == ('\rlong status\rshort      '
                               '\r' + ' ' * 5 + '\rdone\n')
    assert '\n' not in term.getvalue()[:-1]
