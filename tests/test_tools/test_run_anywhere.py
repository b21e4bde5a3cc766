"""An mmada config runs wherever an mmdet config runs: mmengine's
``Runner.from_cfg`` (the README's script) and mmdet's own tools/train.py,
with nothing but the config's ``custom_imports`` (the datasets make and
find their own data)."""
import ast
import glob
import os
import sys

import mmdet  # noqa: F401
import pytest

from e2e import EXPLORE, EXPLORE_SMALL, SMALL, TINY, run

# the README's script, word for word
README_SCRIPT = """\
from mmengine.config import Config
from mmengine.runner import Runner

config = ('configs/cascade_panoptic_fpn/'
          'cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py')
cfg = Config.fromfile(config)
cfg.work_dir = 'work_dirs/from_cfg'
runner = Runner.from_cfg(cfg)  # makes data/synthetic_panoptic on first use
runner.train()
metrics = runner.test()  # PQ, SQ, RQ on the val split
"""
# 16 images = 4 iterations of one epoch, 8 test images
SLICE = SMALL + [
    'train_cfg.max_epochs=1', 'train_dataloader.dataset.indices=16'
]


def _options():
    return {
        k: ast.literal_eval(v)
        for k, v in (o.split('=', 1) for o in SLICE)
    }


@pytest.mark.e2e
def test_readme_script_runner_from_cfg(tmp_path):
    """The README's script, on a small slice and in a temporary work_dir."""
    script = README_SCRIPT.replace(
        "cfg.work_dir = 'work_dirs/from_cfg'",
        f'cfg.work_dir = {str(tmp_path)!r}\n'
        f'cfg.merge_from_dict({_options()!r})')
    assert script != README_SCRIPT and len(README_SCRIPT.splitlines()) <= 10
    path = tmp_path / 'from_cfg.py'
    path.write_text(script + "print('PQ', metrics['coco_panoptic/PQ'])\n")
    out = run([sys.executable, str(path)]).stdout
    assert 'Epoch(train) [1][4/4]' in out
    assert os.path.isfile(tmp_path / 'epoch_1.pth')
    assert 'Epoch(test) [2/2]' in out  # 8 images at batch 4
    assert '\nPQ ' in out


def _mmdet_train(config, work_dir, options):
    """mmdet's own tools/train.py (installed with mmdet under .mim)."""
    train_py = glob.glob(
        os.path.join(os.path.dirname(sys.modules['mmdet'].__file__), '.mim',
                     'tools', 'train.py'))
    assert train_py, 'mmdet 3.3.0 installs .mim/tools/train.py'
    return run([
        sys.executable, train_py[0], config, '--work-dir',
        str(work_dir), '--cfg-options', *options
    ]).stdout


@pytest.mark.e2e
@pytest.mark.parametrize('config, options, done, artifact', [
    (TINY, SLICE, 'Epoch(train) [1][4/4]', 'epoch_1.pth'),
    (EXPLORE, EXPLORE_SMALL, 'checkpoint 2/2: PQ', 'controller.pth'),
], ids=['training', 'exploration'])
def test_mmdet_train_tool(config, options, done, artifact, tmp_path):
    """mmdet's tools/train.py trains an mmada config (its custom_imports
    registers mmada) and runs an exploration config (runner_type=
    'ExploreRunner' is found in mmengine's root registry)."""
    out = _mmdet_train(config, tmp_path, options)
    assert done in out
    assert os.path.isfile(tmp_path / artifact)
