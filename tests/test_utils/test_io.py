"""Atomic writes: a reader sees the old file or the new one, never a part."""
import os

import pytest
import torch

from mmada.utils import atomic_json_dump, atomic_torch_save, atomic_write


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / 'state.json'
    atomic_json_dump(dict(checkpoint=1), str(path))
    with pytest.raises(RuntimeError, match='cut'):
        with atomic_write(str(path), 'w') as f:
            f.write('{"checkpoint": 2')  # half of the new file
            raise RuntimeError('cut')
    assert path.read_text() == '{"checkpoint": 1}'
    assert os.listdir(tmp_path) == ['state.json']


def test_atomic_writes_replace_whole_files(tmp_path):
    path = str(tmp_path / 'state.pth')
    atomic_torch_save({'a': torch.zeros(2)}, path)
    atomic_torch_save({'a': torch.ones(2)}, path)
    assert torch.equal(torch.load(path)['a'], torch.ones(2))
    json_path = str(tmp_path / 'x.json')
    atomic_json_dump({'k': 1}, json_path)
    assert open(json_path).read() == '{"k": 1}'
    # no temporary file is left behind, and the mode is not mkstemp's 0600
    assert sorted(os.listdir(tmp_path)) == ['state.pth', 'x.json']
    assert os.stat(path).st_mode & 0o044
