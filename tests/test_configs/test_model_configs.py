"""Each model config builds, computes its losses and predicts on tiny inputs
(CPU): the paper's network (R-50, R-50-D with DCNv2), Panoptic FPN, and the
tiny CPU versions of both."""
import pytest
import torch
from mmengine.config import Config

import mmada  # noqa: F401
from mmada.datasets import set_num_classes

R50 = pytest.mark.e2e  # a ResNet-50 forward and backward: seconds on CPU
CONFIGS = [
    pytest.param(
        'configs/cascade_panoptic_fpn/'
        'cascade-panoptic-fpn_r50_fpn_8xb2-cos-1x_coco-panoptic.py',
        marks=R50),
    pytest.param(
        'configs/cascade_panoptic_fpn/'
        'cascade-panoptic-fpn_r50-dcn_fpn_8xb2-cos-1x_coco-panoptic.py',
        marks=R50),
    pytest.param(
        'configs/panoptic_fpn/'
        'panoptic-fpn_r50_fpn_8xb2-cos-1x_coco-panoptic.py',
        marks=R50),
    'configs/cascade_panoptic_fpn/'
    'cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py',
    'configs/panoptic_fpn/panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py',
]
THINGS, STUFF = ('a', 'b', 'c'), ('d', 'e')


def build(path):
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(path)
    set_num_classes(cfg.model, len(THINGS), len(STUFF))
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    return MODELS.build(cfg.model), cfg


@pytest.mark.parametrize(
    'path', CONFIGS,
    ids=lambda p: (p.values[0] if hasattr(p, 'values') else p).split('/')[-1])
def test_loss_and_predict(path):
    from mmdet.testing import demo_mm_inputs
    model, cfg = build(path)
    # set_num_classes reaches every head's class count
    assert model.panoptic_fusion_head.num_things_classes == 3
    assert model.semantic_head.num_stuff_classes == 2
    bbox_heads = model.roi_head.bbox_head
    for head in bbox_heads if isinstance(bbox_heads,
                                         torch.nn.ModuleList) else [bbox_heads]:
        assert head.num_classes == 3
    if 'dcn' in path:
        from mmcv.ops import ModulatedDeformConv2dPack
        assert any(
            isinstance(m, ModulatedDeformConv2dPack)
            for m in model.backbone.layer3.modules())
        assert not any(
            isinstance(m, ModulatedDeformConv2dPack)
            for m in model.backbone.layer1.modules())
    inputs = demo_mm_inputs(batch_size=1, image_shapes=(3, 96, 128),
                            num_items=[3], num_classes=3, with_mask=True,
                            with_semantic=True)
    model.train()
    data = model.data_preprocessor(inputs, True)
    losses = model(**data, mode='loss')
    # the config names exactly the weighted losses the model produces
    weighted = cfg.loss_weighting.losses
    assert set(weighted) <= set(losses)
    assert len(weighted) == (10 if 'cascade' in path else 4)
    assert set(cfg.loss_weighting.heads) == set(weighted)
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    total.backward()
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(inputs, False)
        out = model(**data, mode='predict')
    pan = out[0].pred_panoptic_seg.sem_seg
    assert pan.shape[-2:] == (96, 128)
