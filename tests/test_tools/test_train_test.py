"""tools/train.py, tools/test.py, tools/dist_train.sh, tools/image_demo.py."""
import os

import pytest
import torch

from mmada.utils import load_checkpoint_file
from e2e import SMALL, TINY, metric, run, tool


@pytest.mark.e2e
def test_resume_round_trip(trained_tiny, tmp_path):
    """Train 1 epoch of a 2-epoch schedule, stop, --resume to epoch 2: the
    same weights as the uninterrupted 2-epoch run (checkpoints load
    weights-only on torch>=2.6, every epoch reseeds the RNGs)."""
    straight = load_checkpoint_file(trained_tiny[1])['state_dict']
    work_dir = str(tmp_path)
    # the cosine decay ends at max_epochs unless told: keep the 2-epoch one
    tool('train.py', TINY, '--work-dir', work_dir, '--cfg-options',
         'train_cfg.max_epochs=1', 'param_scheduler.1.end=2', *SMALL)
    out = tool('train.py', TINY, '--work-dir', work_dir, '--resume',
               '--cfg-options', 'train_cfg.max_epochs=2', *SMALL).stdout
    assert 'resumed epoch: 1' in out
    resumed = load_checkpoint_file(os.path.join(work_dir,
                                                'epoch_2.pth'))['state_dict']
    assert straight.keys() == resumed.keys()
    for key in straight:
        assert torch.equal(straight[key], resumed[key]), key


@pytest.mark.e2e
def test_test_tool_pq_equals_panopticapi(trained_tiny, tmp_path):
    """The PQ tools/test.py prints equals panopticapi's pq_compute on the
    prediction files it writes."""
    import json

    from panopticapi.evaluation import pq_compute
    root = 'data/synthetic_panoptic/annotations/'
    gt = json.load(open(root + 'panoptic_val.json'))
    ids = {i['id'] for i in gt['images'][:8]}
    gt['images'] = [i for i in gt['images'] if i['id'] in ids]
    gt['annotations'] = [a for a in gt['annotations'] if a['image_id'] in ids]
    gt_json = str(tmp_path / 'gt.json')
    json.dump(gt, open(gt_json, 'w'))
    out_dir = str(tmp_path / 'pred')
    out = tool('test.py', TINY, trained_tiny[1], '--work-dir', str(tmp_path),
               '--out-dir', out_dir, '--classwise', '--cfg-options',
               f'test_dataloader.dataset.ann_file={gt_json}').stdout
    pred_json = os.path.join(out_dir, 'predictions.panoptic.json')
    ref = pq_compute(gt_json, pred_json, root + 'panoptic_val',
                     pred_json[:-len('.json')])
    printed = {k: metric(out, k) for k in ('PQ', 'PQ_th', 'PQ_st', 'SQ')}
    expected = dict(PQ=ref['All']['pq'], PQ_th=ref['Things']['pq'],
                    PQ_st=ref['Stuff']['pq'], SQ=ref['All']['sq'])
    for key, value in expected.items():
        assert printed[key] == pytest.approx(100 * value, abs=1e-4), key
    assert printed['PQ_st'] > 0  # a real comparison, not 0 == 0
    assert 'circle' in out  # --classwise prints per-class rows


@pytest.mark.e2e
def test_dist_train_two_processes(tmp_path):
    """tools/dist_train.sh CONFIG 2 runs on a machine without GPUs (gloo)."""
    out = run(['bash', 'tools/dist_train.sh', TINY, '2', '--work-dir',
               str(tmp_path), '--cfg-options', 'train_cfg.max_epochs=1',
               *SMALL, 'train_dataloader.dataset.indices=16'],
              env=dict(PORT='29611')).stdout
    assert 'Distributed launcher: pytorch' in out
    assert os.path.isfile(tmp_path / 'epoch_1.pth')
    # 16 images over 2 processes at batch 4: 2 iterations per epoch
    assert 'Epoch(train) [1][2/2]' in out


@pytest.mark.e2e
def test_image_demo(trained_tiny, tmp_path):
    out_file = str(tmp_path / 'demo.png')
    img = 'data/synthetic_panoptic/val/000001000001.jpg'
    out = tool('image_demo.py', img, TINY, trained_tiny[1], '--out-file',
               out_file).stdout
    assert os.path.getsize(out_file) > 1000
    assert 'segments' in out


@pytest.mark.e2e
def test_amp_needs_a_gpu(tmp_path):
    if torch.cuda.is_available():
        pytest.skip('this machine has a GPU')
    proc = tool('train.py', TINY, '--amp', '--work-dir', str(tmp_path),
                check=False)
    assert proc.returncode != 0
    assert '--amp needs a CUDA GPU' in proc.stdout


def test_missing_pretrained_file_is_named():
    """The paper's configs start from ImageNet weights in a local file;
    without it the tools stop before building anything, naming the key."""
    from mmengine.config import Config

    from mmada.utils.launch import check_pretrained_files
    cfg = Config.fromfile('configs/cascade_panoptic_fpn/cascade-panoptic-fpn'
                          '_r101_fpn_8xb2-cos-1x_coco-panoptic.py')
    if os.path.isfile(cfg.model.backbone.init_cfg.checkpoint):
        pytest.skip('the pretrained file is present')
    with pytest.raises(FileNotFoundError,
                       match=r"model\.backbone\.init_cfg\.checkpoint: "
                       r"pretrained weights 'data/pretrained/"
                       r"resnet101-63fe2227\.pth' not found"):
        check_pretrained_files(cfg.model)
    cfg.model.backbone.init_cfg = None
    check_pretrained_files(cfg.model)
