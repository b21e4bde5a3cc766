"""tools/dist_test.sh (through tools/dist_run.sh, 2 gloo processes) and
tools/slurm_train.sh, slurm_test.sh, slurm_explore.sh (through
tools/slurm_run.sh): the scripts run end to end on the CPU, Slurm's part
played by a fake ``srun`` (one task on this machine) and ``scontrol`` on
PATH."""
import os
import stat
import sys

import pytest
from e2e import EXPLORE, EXPLORE_SMALL, SMALL, TINY, metric, run, tool

# srun for one task: record the options, drop them, set what srun sets for
# task 0 of 1 and run the command
FAKE_SRUN = """#!/usr/bin/env bash
echo "$@" > "$SRUN_LOG"
while [ $# -gt 0 ]; do
  case $1 in
    -p|-J|-n|-N|-c|-w) shift 2 ;;
    -*) shift ;;
    *) break ;;
  esac
done
export SLURM_PROCID=0 SLURM_NTASKS=1 SLURM_LOCALID=0 SLURM_NODEID=0 \\
  SLURM_NNODES=1 SLURM_NODELIST=localhost SLURM_JOB_NODELIST=localhost
exec "$@"
"""
# scontrol show hostname NODELIST: the first host of a one-host list
FAKE_SCONTROL = """#!/usr/bin/env bash
[ "$1 $2" = "show hostname" ] && echo "$3"
"""
# batch 1: images are padded to their batch's largest, and the padding
# changes the predictions (convolutions and GroupNorm see it), so at batch 4
# the PQ depends on which images share a batch (one process: 0-3, 4-7; two:
# 0,2,4,6 and 1,3,5,7): 3.07 on 2 processes vs 2.92 on one, 2026-12-05
TEST_SLICE = ['test_dataloader.dataset.indices=8',
              'test_dataloader.batch_size=1']


@pytest.fixture
def slurm(tmp_path):
    """The environment of a Slurm run: (env, the file srun's options go to).
    """
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for name, text in (('srun', FAKE_SRUN), ('scontrol', FAKE_SCONTROL)):
        path = bin_dir / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / 'srun_args'
    env = dict(PATH=f'{bin_dir}{os.pathsep}{os.environ["PATH"]}',
               SRUN_LOG=str(log), PYTHON=sys.executable, GPUS='1',
               GPUS_PER_NODE='1', CPUS_PER_TASK='1')
    return env, log


@pytest.fixture(scope='module')
def single_process_pq(trained_tiny, tmp_path_factory):
    """PQ of tools/test.py (one process) on 8 test images."""
    out = tool('test.py', TINY, trained_tiny[1], '--work-dir',
               str(tmp_path_factory.mktemp('test1')), '--cfg-options',
               *TEST_SLICE).stdout
    return metric(out, 'PQ')


@pytest.mark.e2e
def test_dist_test_two_processes(trained_tiny, single_process_pq, tmp_path):
    """tools/dist_test.sh CONFIG CHECKPOINT 2: each process tests 4 of the
    8 images, and the gathered PQ equals the single process's."""
    out = run(['bash', 'tools/dist_test.sh', TINY, trained_tiny[1], '2',
               '--work-dir', str(tmp_path), '--cfg-options', *TEST_SLICE],
              env=dict(PORT='29612')).stdout
    assert 'Distributed launcher: pytorch' in out
    assert 'Epoch(test) [4/4]' in out  # 4 images per process
    assert metric(out, 'PQ') == pytest.approx(single_process_pq, abs=1e-3)


@pytest.mark.e2e
def test_slurm_train(slurm, tmp_path):
    env, log = slurm
    work_dir = tmp_path / 'work'
    out = run(['bash', 'tools/slurm_train.sh', 'debug', 'smoke', TINY,
               str(work_dir), '--cfg-options', 'train_cfg.max_epochs=1',
               *SMALL, 'train_dataloader.dataset.indices=16'],
              env=dict(env, MASTER_PORT='29613')).stdout
    assert log.read_text().startswith('-p debug --job-name=smoke ')
    assert '--ntasks=1 ' in log.read_text()
    assert 'Distributed launcher: slurm' in out
    assert 'Epoch(train) [1][4/4]' in out
    assert os.path.isfile(work_dir / 'epoch_1.pth')


@pytest.mark.e2e
def test_slurm_test(slurm, trained_tiny, single_process_pq, tmp_path):
    env, log = slurm
    out = run(['bash', 'tools/slurm_test.sh', 'debug', 'smoke', TINY,
               trained_tiny[1], '--work-dir', str(tmp_path), '--cfg-options',
               *TEST_SLICE], env=dict(env, MASTER_PORT='29614')).stdout
    assert 'test.py' in log.read_text()
    assert 'Distributed launcher: slurm' in out
    assert metric(out, 'PQ') == pytest.approx(single_process_pq, abs=1e-3)


@pytest.mark.e2e
def test_slurm_explore(slurm, tmp_path):
    env, log = slurm
    work_dir = tmp_path / 'work'
    out = run(['bash', 'tools/slurm_explore.sh', 'debug', 'smoke', EXPLORE,
               str(work_dir), '--cfg-options', *EXPLORE_SMALL],
              env=dict(env, MASTER_PORT='29615')).stdout
    assert 'explore.py' in log.read_text()
    assert 'checkpoint 2/2: PQ' in out
    assert os.path.isfile(work_dir / 'controller.pth')
