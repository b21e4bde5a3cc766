"""The tiny cascade panoptic model (3 thing, 2 stuff classes) and a demo
batch, for unit tests of loss weighting rules."""
import torch
from mmengine.config import Config

TINY_MODEL = 'configs/_base_/models/cascade-panoptic-fpn_tiny.py'


def tiny_model(seed=0):
    """(model, cfg) of the tiny cascade panoptic model, initialised."""
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(TINY_MODEL)
    for head in cfg.model.roi_head.bbox_head:
        head.num_classes = 3
    cfg.model.roi_head.mask_head.num_classes = 3
    for key in ('semantic_head', 'panoptic_fusion_head'):
        cfg.model[key].num_things_classes = 3
        cfg.model[key].num_stuff_classes = 2
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model, cfg


def tiny_batch(seed=0):
    """Two random images (96x128) with 3 and 4 things, masks, semantics."""
    from mmdet.testing import demo_mm_inputs
    torch.manual_seed(seed)
    return demo_mm_inputs(batch_size=2, image_shapes=(3, 96, 128),
                          num_items=[3, 4], num_classes=3, with_mask=True,
                          with_semantic=True)
