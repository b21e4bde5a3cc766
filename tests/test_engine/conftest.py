"""A small exploration shared by the engine tests (m=2, T=2, q=4)."""
import pytest
from e2e import EXPLORE, EXPLORE_SMALL, tool


@pytest.fixture(scope='session')
def explored(tmp_path_factory):
    """An uninterrupted exploration on 1 process: its work_dir."""
    work_dir = str(tmp_path_factory.mktemp('explore'))
    tool('explore.py', EXPLORE, '--work-dir', work_dir, '--cfg-options',
         *EXPLORE_SMALL)
    return work_dir
