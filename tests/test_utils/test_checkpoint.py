"""Checkpoints load weights-only with an allow-list: mmengine's own files
(message hub, HistoryBuffer, numpy) load; a crafted pickle is refused."""
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner.checkpoint import CheckpointLoader

import mmada  # noqa: F401  (installs the loader)
from mmada.utils import load_checkpoint_file


class Exploit:
    """Unpickling this would run a shell command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_crafted_pickle_is_refused(tmp_path):
    marker = tmp_path / 'pwned'
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'x': Exploit(marker)}, path)
    with pytest.raises(pickle.UnpicklingError,
                       match=r'evil.pth: refused to load.*posix.system'):
        load_checkpoint_file(path)
    # mmengine's checkpoint loading (used by load_from/--resume) goes here too
    with pytest.raises(pickle.UnpicklingError, match='refused to load'):
        CheckpointLoader.load_checkpoint(path, map_location='cpu')
    assert not marker.exists()


class GetattrExploit:

    def __init__(self, owner, name):
        self.owner, self.name = owner, name

    def __reduce__(self):
        return (getattr, (self.owner, self.name))


@pytest.mark.parametrize('owner,name', [(HistoryBuffer, '__subclasses__'),
                                        (HistoryBuffer, '__init__'),
                                        (torch.Tensor, 'new_tensor')])
def test_getattr_is_limited_to_history_buffer_statistics(
        tmp_path, owner, name):
    """HistoryBuffer pickles getattr(HistoryBuffer, 'min'); any other
    getattr stays refused."""
    path = str(tmp_path / 'getattr.pth')
    torch.save({'x': GetattrExploit(owner, name)}, path)
    with pytest.raises(pickle.UnpicklingError, match='refused'):
        load_checkpoint_file(path)
    torch.save({'x': GetattrExploit(HistoryBuffer, 'mean')}, path)
    assert load_checkpoint_file(path)['x'] is HistoryBuffer.mean


def test_mmengine_message_hub_and_numpy_load(tmp_path):
    hub = MessageHub.get_instance('test_safe_checkpoint')
    hub.update_scalar('train/loss', 0.5)
    hub.update_scalar('train/loss', 0.25)
    hub.update_info('iter', 3)
    state = dict(message_hub=hub.state_dict(),
                 meta=dict(seed=np.int64(3), arr=np.arange(3.0)),
                 state_dict={'w': torch.ones(2)})
    path = str(tmp_path / 'ok.pth')
    torch.save(state, path)
    with pytest.raises(pickle.UnpicklingError):  # what plain torch.load does
        torch.load(path, weights_only=True)
    loaded = load_checkpoint_file(path)
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx(0.375)
    assert loaded['meta']['arr'].tolist() == [0.0, 1.0, 2.0]


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint_file(str(tmp_path / 'nope.pth'))
