"""tools/run_demo.py's progress: an exploration's progress.json records,
mmengine's log lines and the status line (no subprocess)."""
import importlib.util
import io
import json
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    'run_demo', osp.join(REPO, 'tools', 'run_demo.py'))
run_demo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_demo)

PREFIX = '11/28 14:27:27 - mmengine - INFO - '


def _record(phase, checkpoint=None, member=None, eta=None, timestamp=1.0):
    """A progress.json record as ExploreReport writes it (m=4, T=3)."""
    return dict(phase=phase, checkpoint=checkpoint, checkpoints=3,
                member=member, population=4, elapsed=0.0, eta=eta,
                timestamp=timestamp)


def test_exploration_records():
    p = run_demo.ExploreProgress('exploration', 'unused')
    p.feed(PREFIX + '[explore] checkpoint 2/3, member 1/4: training')
    assert p.describe(now=1.0) == 'exploration: starting'  # lines unread
    p.update(_record('starting'))
    assert p.describe(now=1.0) == 'exploration: m=4 T=3, starting'
    p.update(_record('pseudo epoch', timestamp=2.0))
    assert p.describe(now=2.0) == 'exploration: m=4 T=3, pseudo epoch'
    p.update(_record('training', 1, 0, timestamp=5.0))  # no ETA yet
    assert p.describe(now=5.0) == (
        'exploration: checkpoint 1/3 member 1/4, training')
    p.update(_record('training', 2, 2, eta=104.0, timestamp=100.0))
    assert p.describe(now=104.0) == (
        'exploration: checkpoint 2/3 member 3/4, training, ETA 0:01:40')
    # mmengine's lines of a member's training do not count here
    p.feed(PREFIX + 'Epoch(train) [2][12/8]  eta: 0:09:00  loss: 1', now=105)
    p.update(_record('evaluating', 2, 2, eta=94.0, timestamp=110.0))
    assert p.describe(now=110.0).endswith(
        'member 3/4, evaluating, ETA 0:01:34')
    assert p.eta_left(now=1000.0) == 0.0  # counted down, never negative
    assert p.milestone() == ('evaluating', (2, 3), (3, 4), None)
    p.update(_record('done', 2, 2, eta=0.0, timestamp=120.0))
    assert p.describe() == 'exploration: checkpoint 2/3 member 3/4, done'


def test_exploration_reads_this_runs_progress_file(tmp_path):
    path = tmp_path / 'progress.json'
    p = run_demo.ExploreProgress('exploration', str(path))
    p.poll()  # not written yet
    path.write_text('{"phase": ')  # not JSON (yet)
    p.poll()
    path.write_text(json.dumps(_record('pseudo epoch', timestamp=0.0)))
    p.poll()  # an earlier run's
    assert p.describe() == 'exploration: starting'
    path.write_text(json.dumps(_record('training', 1, 1, eta=30.0,
                                       timestamp=p.start + 1.0)))
    p.poll()
    assert p.describe(now=p.start + 1.0) == (
        'exploration: checkpoint 1/3 member 2/4, training, ETA 0:00:30')


def test_exploration_progress_from_the_report(tmp_path):
    """What ExploreReport writes is what the demo reads."""
    from types import SimpleNamespace

    from mmada.engine.runner.report import ExploreReport
    runner = SimpleNamespace(logger=SimpleNamespace(info=lambda line: None),
                             work_dir=str(tmp_path), world_size=1)
    report = ExploreReport(runner, num_checkpoints=3, population=4,
                           interval=5, num_members=4)
    p = run_demo.ExploreProgress('exploration',
                                 str(tmp_path / 'progress.json'))
    settings = dict(sigma=0.2, reward='local+imp', cooldown_iters=0)
    report.log_plan(settings, ['loss_a'], 8, 4, 1)
    p.poll()
    assert p.describe() == 'exploration: m=4 T=3, starting'
    report.log_pseudo_epoch()
    report.log_member(1, 0)
    report.log_member(1, 1)  # 1 of 12 done: an ETA
    report.log_evaluation(4)
    p.poll()
    assert p.describe().startswith(
        'exploration: checkpoint 1/3 member 2/4, evaluating, ETA 0:00:')
    report.finish(1.0)
    p.poll()
    assert p.describe() == 'exploration: checkpoint 1/3 member 2/4, done'


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
