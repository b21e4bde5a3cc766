"""The main job on the built-in dataset, start to finish (~10 min on a
2-core CPU):

1. Ada-Segment's exploration: 4 members, 3 checkpoints, over 2 processes
   when the machine has 2 cores (tools/dist_explore.sh; else
   tools/explore.py); its datasets make the synthetic data if missing
   (data/synthetic_panoptic);
2. a fresh model trained 6 epochs with the saved controller (policy
   ensemble, Eq. 7) (tools/train.py) and, at the same time (one core
   each), the equal-weights Baseline trained on the same 6 epochs;
3. and 4. both tested on the held-out val split (tools/test.py), and a
   table in the paper's format, with the controller that was used.

    python tools/run_demo.py

Each step is the command a user would type; outputs go to
``work_dirs/<config name>/`` and the full logs to ``work_dirs/demo_logs/``.
While a step runs, one updating line shows its progress (step k/N, the
exploration's checkpoint t/T and member j/m from the ``progress.json`` it
writes, a training's epoch and iteration from mmengine's log lines, an
ETA); when stdout is not a terminal, a plain line per change instead. The
numbers are whatever they are: one seed on a small synthetic dataset says
little about the method (see the README for the multi-seed benchmark).
"""
import argparse
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import threading
import time

EXPLORE = ('configs/ada_segment/'
           'ada-segment-explore_tiny_m4-1xb4-cos-2e_synthetic-panoptic.py')
TRANSFER = 'configs/ada_segment/ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic.py'
BASELINE = ('configs/cascade_panoptic_fpn/'
            'cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py')
KEYS = ('PQ', 'PQ_th', 'PQ_st', 'SQ', 'RQ')


def work_dir(config):
    return osp.join('work_dirs', osp.splitext(osp.basename(config))[0])


class Progress:
    """What one tool's mmengine log lines say about its progress: its
    training and evaluation lines, ``Epoch(train) [e][i/n] ... eta:
    h:mm:ss`` and ``Epoch(val|test) [e][i/n]`` / ``[i/n]``. Tolerant: a line
    it does not recognise changes nothing.

    Args:
        title (str): What the tool does, e.g. ``'Baseline training'``.
        max_epochs (int, optional): Epochs of a training (mmengine's lines
            do not say). Defaults to None.
    """

    ETA = re.compile(r'\beta\b:?\s*((?:\d+\s+days?,\s*)?\d+:\d\d:\d\d)', re.I)
    TRAIN = re.compile(
        r'Epoch\(train\)\s*\[(\d+)\]\s*\[\s*(\d+)\s*/\s*(\d+)\s*\]')
    EVAL = re.compile(
        r'Epoch\((?:val|test)\)\s*(?:\[\d+\]\s*)?\[\s*(\d+)\s*/\s*(\d+)\s*\]')

    def __init__(self, title, max_epochs=None):
        self.title = title
        self.max_epochs = max_epochs
        self.start = time.time()
        self.phase = 'starting'
        self.checkpoint = self.member = None  # (t, T), (j, m)
        self.population = self.num_checkpoints = None
        self.epoch = self.iteration = None  # e, (i, n)
        self.evaluation = None  # (i, n)
        self.eta = None  # (seconds, when they were left)

    def feed(self, line, now=None):
        """Update from one log line."""
        now = time.time() if now is None else now
        found = self.TRAIN.search(line)
        if found:
            e, i, n = map(int, found.groups())
            self.epoch, self.iteration = e, (i, n)
            self.phase, self.evaluation = 'training', None
        found = self.EVAL.search(line)
        if found:
            self.evaluation = tuple(map(int, found.groups()))
            self.phase = 'evaluating'
        found = self.ETA.search(line)
        if found:
            self.eta = (_seconds(found.group(1)), now)

    def poll(self):
        """Read what the log lines do not say (nothing, here)."""

    def eta_left(self, now=None):
        """Seconds left by the last ETA the tool gave, counted down since."""
        now = time.time() if now is None else now
        if self.eta is None:
            return None
        return max(0.0, self.eta[0] - (now - self.eta[1]))

    def describe(self, now=None):
        """One short line, e.g. ``exploration: checkpoint 2/3 member 3/4,
        training, ETA 0:01:44`` or ``Baseline training: epoch 2/6 iter
        40/100, training, ETA 0:03:49``."""
        where = []
        if self.checkpoint:
            where.append(f'checkpoint {self.checkpoint[0]}/'
                         f'{self.checkpoint[1]} member {self.member[0]}/'
                         f'{self.member[1]}')
        elif self.num_checkpoints:
            where.append(f'm={self.population} T={self.num_checkpoints}')
        if self.epoch is not None:
            of = f'/{self.max_epochs}' if self.max_epochs else ''
            where.append(f'epoch {self.epoch}{of} iter '
                         f'{self.iteration[0]}/{self.iteration[1]}')
        phase = self.phase
        if self.evaluation and phase == 'evaluating':
            phase += f' {self.evaluation[0]}/{self.evaluation[1]}'
        eta = self.eta_left(now)
        eta = '' if eta is None or phase == 'done' else f'ETA {_hms(eta)}'
        return f'{self.title}: ' + ', '.join(
            part for part in (' '.join(where), phase, eta) if part)

    def milestone(self):
        """The part of the state that is news off a terminal: the step's
        phase, checkpoint, member and epoch (not iterations or ETAs)."""
        return (self.phase, self.checkpoint, self.member, self.epoch)


class ExploreProgress(Progress):
    """An exploration's progress from the ``progress.json`` that its report
    rewrites at every step (``ExploreReport`` in
    ``mmada/engine/runner/report.py``): the phase, checkpoint t/T, member
    j/m and ETA. Its log lines are not read: mmengine's count the members'
    iterations, not the exploration's.

    Args:
        title (str): What the tool does, e.g. ``'exploration'``.
        path (str): The exploration's ``progress.json``; one written before
            this object was made (an earlier run's) is ignored.
    """

    def __init__(self, title, path):
        super().__init__(title)
        self.path = path

    def feed(self, line, now=None):
        """Log lines say nothing here (see the class docstring)."""

    def poll(self):
        """Update from ``path`` if this run has written it."""
        try:
            with open(self.path) as f:
                record = json.load(f)
        except (OSError, ValueError):  # not yet written
            return
        if record['timestamp'] >= self.start:
            self.update(record)

    def update(self, record):
        """Take one ``progress.json`` record."""
        self.phase = record['phase']
        self.population = record['population']
        self.num_checkpoints = record['checkpoints']
        if record['checkpoint'] is not None:
            self.checkpoint = (record['checkpoint'], record['checkpoints'])
            self.member = (record['member'] + 1, record['population'])
        if record['eta'] is not None:
            self.eta = (record['eta'], record['timestamp'])


def _seconds(text):
    """'1 day, 2:03:04' or '0:01:44' -> seconds."""
    days = 0
    if 'day' in text:
        head, text = text.split(',', 1)
        days = int(head.split()[0])
    h, m, s = (int(v) for v in text.strip().split(':'))
    return days * 86400 + h * 3600 + m * 60 + s


def _hms(seconds):
    seconds = int(round(seconds))
    return f'{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}'


class StatusLine:
    """One updating line on a terminal (carriage return); on a pipe or a
    file, a plain line when the status changes (at most every ``every``
    seconds while only the counters move)."""

    def __init__(self, stream=None, every=60.0):
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.every = every
        self.width = 0
        self.last = ('', 0.0)

    def show(self, text, key=None):
        """Show ``text``; ``key`` (default ``text``) decides, off a
        terminal, whether it is news."""
        now = time.time()
        if self.tty:
            cols = shutil.get_terminal_size((100, 20)).columns - 1
            text = text[:cols]
            self.stream.write('\r' + text.ljust(self.width))
            self.width = len(text)
        elif key != self.last[0] or now - self.last[1] >= self.every:
            self.stream.write(text + '\n')
            self.last = (key, now)
        self.stream.flush()

    def finish(self, text):
        """A permanent line (the updating one is cleared first)."""
        if self.tty and self.width:
            self.stream.write('\r' + ' ' * self.width + '\r')
            self.width = 0
        self.stream.write(text + '\n')
        self.stream.flush()


def _pump(proc, log, progress):
    """Copy a tool's output to its log, line by line, feeding ``progress``.
    """
    with open(log, 'w') as f:
        for line in proc.stdout:
            f.write(line)
            f.flush()
            progress.feed(line)


def steps(number, jobs, threads=None, status=None):
    """Run tools side by side (``threads`` torch threads each), showing
    their progress on one line; return [(seconds, output)] in order.
    Each job is ``(progress, args, log)``, ``progress`` a :class:`Progress`
    with the step's title; outputs go to the logs.
    """
    status = status or StatusLine()
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    if threads:
        env['OMP_NUM_THREADS'] = str(threads)
    running = []
    for progress, args, log in jobs:
        title = progress.title
        status.finish(f'[demo {number}] {title} ... (log: {log})')
        cmd = args if args[0] == 'bash' else [sys.executable] + args
        begin = time.time()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True,
                                env=env, bufsize=1)
        pump = threading.Thread(target=_pump, args=(proc, log, progress),
                                daemon=True)
        pump.start()
        running.append(dict(title=title, log=log, progress=progress,
                            pump=pump, proc=proc, begin=begin, end=None))
    start = time.time()
    while any(job['end'] is None for job in running):
        for job in running:
            if job['end'] is None and job['proc'].poll() is not None:
                job['end'] = time.time()
        live = [job['progress'] for job in running if job['end'] is None]
        for progress in live:
            progress.poll()
        if live:
            text = ' | '.join(p.describe() for p in live)
            status.show(f'[demo {number}] {text} '
                        f'({_hms(time.time() - start)})',
                        key=[p.milestone() for p in live])
            time.sleep(1.0)
    results = []
    for job in running:
        job['pump'].join()
        with open(job['log']) as f:
            output = f.read()
        seconds = job['end'] - job['begin']
        if job['proc'].returncode != 0:
            tail = '\n'.join(output.splitlines()[-30:])
            status.finish(f'[demo {number}] {job["title"]} failed '
                          f'({job["log"]}):')
            sys.exit(tail)
        status.finish(f'[demo {number}] {job["title"]}: done in '
                      f'{seconds / 60:.1f} min (log: {job["log"]})')
        results.append((seconds, output))
    return results


def describe_controller(path):
    """One line: which controller drove the Ada-Segment training."""
    from mmada.controller import upgrade_controller_state
    from mmada.utils import load_checkpoint_file
    state = upgrade_controller_state(
        load_checkpoint_file(path, map_location='cpu'))
    h = state['hparams']
    return (f'{path}: pi^1..pi^{len(state["snapshots"])} of an exploration, '
            f'output {h["output"]}, param_scale '
            f'{h["param_scale"]}, {h["sampling"]} sampling, sigma '
            f'{h["sigma"]}, Adam lr {h["lr"]}, betas '
            f'{tuple(h["betas"])}, seed {h["seed"]}')


def metrics(output):
    values = {}
    for key in KEYS:
        found = re.findall(rf'coco_panoptic/{key}: ([0-9.]+)', output)
        values[key] = float(found[-1]) if found else float('nan')
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--skip-explore',
        action='store_true',
        help='reuse the controller of an earlier exploration')
    args = parser.parse_args()
    os.makedirs('work_dirs', exist_ok=True)
    logs = 'work_dirs/demo_logs'
    os.makedirs(logs, exist_ok=True)
    start = time.time()
    times = {}
    status = StatusLine()
    num_steps = 3 if args.skip_explore else 4
    number = iter(f'{k}/{num_steps}' for k in range(1, num_steps + 1))
    if not args.skip_explore:
        procs = 2 if (os.cpu_count() or 1) >= 2 else 1
        cmd = ['tools/explore.py', EXPLORE] if procs == 1 else \
            ['bash', 'tools/dist_explore.sh', EXPLORE, str(procs)]
        progress = ExploreProgress(
            f'exploration ({procs} process(es))',
            osp.join(work_dir(EXPLORE), 'progress.json'))
        [(times['explore'], _)] = steps(
            next(number), [(progress, cmd, f'{logs}/explore.log')],
            status=status)
        times['explore'] *= procs  # core-time, as the trainings' below
    controller = osp.join(work_dir(EXPLORE), 'controller.pth')
    if not osp.isfile(controller):
        sys.exit(f'[demo] no controller at {controller}: run without '
                 '--skip-explore')
    # side by side, one core each; the cost column compares their times
    (times['transfer'], _), (times['baseline'], _) = steps(
        next(number),
        [(Progress('Ada-Segment training', max_epochs=6),
          ['tools/train.py', TRANSFER], f'{logs}/ada-segment.log'),
         (Progress('Baseline training', max_epochs=6),
          ['tools/train.py', BASELINE], f'{logs}/baseline.log')],
        threads=1 if (os.cpu_count() or 1) <= 2 else None, status=status)
    results = {}
    for name, config in (('Baseline', BASELINE), ('Ada-Segment', TRANSFER)):
        [(_, out)] = steps(next(number), [
            (Progress(f'testing {name} on the val split'), [
                'tools/test.py', config,
                osp.join(work_dir(config), 'epoch_6.pth'), '--work-dir',
                osp.join(work_dir(config), 'test')
            ], f'{logs}/test_{name.lower()}.log')
        ], status=status)
        results[name] = metrics(out)

    base = times['baseline']
    cost = dict(Baseline=1.0,
                **{'Ada-Segment': (times.get('explore', float('nan')) +
                                   times['transfer']) / base})
    print('\nHeld-out val split of the built-in dataset (120 images), one '
          'seed:\n')
    print('| Method | PQ | PQ_th | PQ_st | SQ | RQ | Cost |')
    print('|---|---|---|---|---|---|---|')
    for name, values in results.items():
        cells = ' | '.join(f'{values[k]:.1f}' for k in KEYS)
        print(f'| {name} | {cells} | {cost[name]:.1f}x |')
    print(f'\nCost = core-time / the Baseline\'s training ({base / 60:.1f} '
          'min on one core, next to the Ada-Segment training); Ada-Segment '
          '= exploration (wall time x processes) + transfer training.')
    print(f'Controller used: {describe_controller(controller)}')
    explore_dir = work_dir(EXPLORE)
    print(f'Plots: {explore_dir}/loss_weights.png, {explore_dir}/pq.png, '
          f'{explore_dir}/learning.png; '
          f'per-checkpoint log: {explore_dir}/explore_log.jsonl; '
          f'controller: {controller}')
    print(f'Total time: {(time.time() - start) / 60:.1f} min')


if __name__ == '__main__':
    main()
