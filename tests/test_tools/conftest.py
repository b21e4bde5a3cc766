"""Fixtures of the end-to-end tool tests."""
import os

import pytest
from e2e import SMALL, TINY, tool


@pytest.fixture(scope='session')
def trained_tiny(tmp_path_factory):
    """A tiny model trained 2 epochs on 64 images: (work_dir, checkpoint)."""
    work_dir = str(tmp_path_factory.mktemp('tiny'))
    tool('train.py', TINY, '--work-dir', work_dir, '--cfg-options',
         'train_cfg.max_epochs=2', *SMALL)
    return work_dir, os.path.join(work_dir, 'epoch_2.pth')
