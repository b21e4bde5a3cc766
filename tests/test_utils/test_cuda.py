"""On a GPU (marker ``cuda``; skipped where none is visible): mmcv's
compiled ops agree with their CPU versions, a tiny training step with the
loss weighting runs on ``cuda``, and a short exploration runs there."""
import os

import pytest
import torch
from e2e import EXPLORE, EXPLORE_SMALL, tool
from mmengine.optim import OptimWrapper

from tiny import tiny_batch, tiny_model

pytestmark = pytest.mark.cuda


def test_ops_parity_with_the_cpu():
    from mmcv.ops import ModulatedDeformConv2dPack, RoIAlign, nms
    gen = torch.Generator().manual_seed(0)
    feats = torch.rand(1, 4, 16, 16, generator=gen)
    rois = torch.tensor([[0, 1.0, 1.0, 9.0, 12.0], [0, 3.5, 2.0, 15.0, 8.0]])
    align = RoIAlign((7, 7), spatial_scale=1.0, sampling_ratio=2)
    cpu = align(feats, rois)
    assert (align(feats.cuda(), rois.cuda()).cpu() - cpu).abs().max() < 1e-5
    boxes = torch.rand(50, 2, generator=gen) * 50
    boxes = torch.cat([boxes, boxes + 5 + torch.rand(50, 2, generator=gen)
                       * 20], 1)
    scores = torch.rand(50, generator=gen)
    keep_cpu = nms(boxes, scores, 0.5)[1]
    keep_gpu = nms(boxes.cuda(), scores.cuda(), 0.5)[1].cpu()
    assert torch.equal(keep_cpu, keep_gpu)
    torch.manual_seed(0)
    dcn = ModulatedDeformConv2dPack(4, 4, 3, padding=1)
    torch.nn.init.normal_(dcn.conv_offset.weight, std=0.1)
    out = dcn(feats)
    assert (dcn.cuda()(feats.cuda()).cpu() - out).abs().max() < 1e-4


def test_tiny_weighted_training_step_on_the_gpu():
    from mmada.models import LossWeighting, add_loss_weighting
    model, cfg = tiny_model()
    model = model.cuda()
    weighting = LossWeighting(cfg.loss_weighting.losses)
    add_loss_weighting(model, weighting)
    weighting.set_loss_weights([2.0] * len(weighting.names))
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    model.train()
    log = model.train_step(tiny_batch(0), wrapper)
    assert torch.isfinite(log['loss'])
    assert weighting.values.device.type == 'cuda'


@pytest.mark.e2e
def test_short_exploration_on_the_gpu(tmp_path):
    out = tool('explore.py', EXPLORE, '--work-dir', str(tmp_path),
               '--cfg-options', *EXPLORE_SMALL).stdout
    assert 'best member' in out
    assert os.path.isfile(tmp_path / 'controller.pth')
