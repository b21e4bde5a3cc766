"""For unit tests of loss weighting rules: the tiny cascade panoptic model
(3 thing, 2 stuff classes), a demo batch, a model whose losses are its
parameters, and what the hook reads of a runner after an iteration."""
from types import SimpleNamespace

import torch
from mmengine.config import Config
from mmengine.model import BaseModel
from torch import nn

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


class LossParameters(BaseModel):
    """Losses that are parameters: dL/dp_i is the weight of loss i."""

    def __init__(self, losses=(2.0, 0.5)):
        super().__init__()
        self.p = nn.Parameter(torch.tensor(losses))

    def forward(self, inputs=None, data_samples=None, mode='loss'):
        return dict(loss_a=self.p[0], loss_b=self.p[1],
                    acc=torch.tensor(0.9))


# what LossWeightHook.after_train_iter reads of a runner at iteration 1 (the
# loss weights are logged every 50 iterations, so not at this one)
RUNNER_AT_ITER_1 = SimpleNamespace(iter=0, visualizer=None)
