"""tools/analysis/gpu_check.py: without a GPU it stops with one line;
``--device cpu`` runs its checks small on the CPU and prints the table."""
import pytest
import torch
from e2e import tool


@pytest.mark.e2e
def test_without_a_gpu_it_says_so():
    if torch.cuda.is_available():
        pytest.skip('this machine has a GPU')
    proc = tool('analysis/gpu_check.py', check=False)
    assert proc.returncode != 0
    assert proc.stdout.strip().splitlines() == [
        f'gpu_check: no CUDA GPU visible (torch {torch.__version__}, CUDA '
        f'{torch.version.cuda}); run it on a GPU, or with --device cpu for '
        'the small CPU run']


@pytest.mark.e2e
def test_cpu_run_prints_the_table(tmp_path):
    out = tool('analysis/gpu_check.py', '--device', 'cpu', '--work-dir',
               str(tmp_path)).stdout
    table = out[out.index('| check | result | status |'):].splitlines()
    rows = {r.split(' | ')[0][2:]: r for r in table[2:]}
    assert list(rows) == [
        'environment', 'RoIAlign', 'NMS', 'modulated deformable conv',
        'tiny train_step', 'exploration m=2, T=2, q=4'
    ]
    assert 'CPU float64 vs float32: max abs difference' in rows['RoIAlign']
    assert rows['NMS'].endswith('| skipped |')
    assert 'weighted' in rows['tiny train_step']
    assert '0 failed members' in rows['exploration m=2, T=2, q=4']
    assert all(r.endswith(('| ok |', '| skipped |', '|  |'))
               for r in rows.values())
