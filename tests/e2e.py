"""End-to-end helpers: run the tools as a user does, on a small slice of the
built-in dataset (made on first use in data/synthetic_panoptic)."""
import os
import re
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ('configs/cascade_panoptic_fpn/'
        'cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py')
# 64 training images (16 iterations per epoch), 8 val / test images, a
# 4-iteration warm-up (so that 2 epochs learn enough for a nonzero PQ_st)
SMALL = [
    'train_dataloader.dataset.indices=64', 'val_dataloader.dataset.indices=8',
    'test_dataloader.dataset.indices=8', 'train_cfg.val_interval=100',
    'default_hooks.logger.interval=1', 'param_scheduler.0.end=4'
]


def run(args, env=None, timeout=900, check=True):
    """Run a command from the repo root; return its combined output."""
    env = dict(os.environ, **(env or {}))
    env.setdefault('OMP_NUM_THREADS', '1')
    proc = subprocess.run(args, cwd=ROOT, env=env, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f'{" ".join(args)} failed '
                             f'({proc.returncode}):\n{proc.stdout[-5000:]}')
    return proc


def tool(name, *args, **kwargs):
    return run([sys.executable, f'tools/{name}', *args], **kwargs)


def metric(output, key):
    """The last value of ``coco_panoptic/<key>`` an mmengine log printed."""
    values = re.findall(rf'coco_panoptic/{key}: ([0-9.]+)', output)
    assert values, f'no coco_panoptic/{key} in the output'
    return float(values[-1])


EXPLORE = ('configs/ada_segment/'
           'ada-segment-explore_tiny_m4-1xb4-cos-2e_synthetic-panoptic.py')
# m=2 members, T=2 checkpoints, q=4 iterations, 32 proxy train images (a
# 2-epoch schedule of 16 iterations), 8 proxy val images
EXPLORE_SMALL = [
    'train_cfg.population=2', 'train_cfg.checkpoints=2',
    'train_cfg.interval=4', 'train_dataloader.dataset.indices=32',
    'val_dataloader.dataset.indices=8', 'default_hooks.logger.interval=1'
]


def explore_killed_after(work_dir, cfg_options, checkpoint=1, timeout=600):
    """Run ``tools/explore.py EXPLORE`` with ``cfg_options`` into
    ``work_dir`` and SIGKILL it once checkpoint ``checkpoint`` is in its
    explore_log.jsonl (the resume state is written before the log)."""
    log = os.path.join(work_dir, 'explore_log.jsonl')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.Popen(
        [sys.executable, 'tools/explore.py', EXPLORE, '--work-dir', work_dir,
         '--cfg-options', *cfg_options], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + timeout
    mark = f'"checkpoint": {checkpoint}'
    while time.time() < deadline and proc.poll() is None:
        if os.path.isfile(log) and mark in open(log).read():
            break
        time.sleep(0.2)
    assert proc.poll() is None, 'the exploration ended before the kill'
    proc.send_signal(signal.SIGKILL)
    proc.wait()
