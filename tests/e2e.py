"""End-to-end helpers: run the tools as a user does, on a small slice of the
built-in dataset (made on first use in data/synthetic_panoptic)."""
import os
import re
import subprocess
import sys

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
