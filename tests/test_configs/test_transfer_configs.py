"""The configs of the transfer experiment (the paper's Table 3 at CPU
scale) to a longer schedule (12 epochs) and to another backbone (a tiny
ResNet-34): each target's Baseline is the tiny 6-epoch Baseline with only
the intended difference, and its transfer config is that Baseline with the
hooks of the 6-epoch transfer config (the controller explored on the tiny
network). The other dataset's configs ('glyphs') are tested in
test_model_configs.py."""
import os.path as osp

import torch
from mmengine.config import Config
from test_model_configs import ALL_CONFIGS, REPO, build

BASELINE = ('configs/cascade_panoptic_fpn/'
            'cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py')
TRANSFER = ('configs/ada_segment/'
            'ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic.py')
LONG = BASELINE.replace('-6e_', '-12e_')
LONG_TRANSFER = TRANSFER.replace('-6e_', '-12e_')
R34 = BASELINE.replace('_tiny_', '_tiny-r34_')
R34_TRANSFER = TRANSFER.replace('_tiny_', '_tiny-r34_')
NEW = (LONG, LONG_TRANSFER, R34, R34_TRANSFER)


def load(path):
    return Config.fromfile(osp.join(REPO, path))


def test_the_new_configs_exist_and_are_checked():
    # the class counts of every config in ALL_CONFIGS are checked by
    # test_every_config_loads_with_matching_class_counts
    assert len(set(NEW)) == 4
    for path in NEW:
        assert path in ALL_CONFIGS, path


def test_12e_baseline_is_the_6e_baseline_with_12_epochs():
    long = load(LONG)
    assert (long.train_cfg.max_epochs, long.train_cfg.val_interval) == \
        (12, 12)
    expected = load(BASELINE)
    expected.train_cfg.max_epochs = 12
    expected.train_cfg.val_interval = 12
    assert long.to_dict() == expected.to_dict()
    # the same 50-iteration warm-up; the cosine runs to the end of
    # max_epochs (no end or T_max of its own)
    warmup, cosine = long.param_scheduler
    assert (warmup['type'], warmup['end'], warmup['by_epoch']) == \
        ('LinearLR', 50, False)
    assert cosine['type'] == 'CosineAnnealingLR'
    assert 'end' not in cosine and 'T_max' not in cosine


def test_r34_baseline_is_the_tiny_baseline_with_depth_34():
    r34 = load(R34)
    tiny = load(BASELINE)
    assert (r34.model.backbone.depth, tiny.model.backbone.depth) == (34, 18)
    # same width: the same stage channels, so the same FPN
    assert r34.model.backbone.base_channels == 16
    assert r34.model.neck == tiny.model.neck
    tiny.model.backbone.depth = 34
    assert r34.to_dict() == tiny.to_dict()


def assert_transfer(transfer_path, target_path, change):
    """The transfer config is its Baseline with the 6-epoch transfer
    config's hooks and controller, and the 6-epoch transfer config with the
    Baseline's change."""
    transfer = load(TRANSFER)
    mine = load(transfer_path)
    assert mine.custom_hooks == transfer.custom_hooks
    assert mine.controller == transfer.controller
    weighting = mine.custom_hooks[1].weighting
    assert (weighting.type, weighting.mode) == ('AdaSegmentWeighting',
                                                'comb-dy')
    assert 'tiny_m4' in weighting.controller  # the tiny exploration's
    expected = load(target_path).to_dict()
    expected.update(custom_hooks=transfer.custom_hooks,
                    controller=transfer.controller)
    assert mine.to_dict() == expected
    change(transfer)
    assert mine.to_dict() == transfer.to_dict()


def test_12e_transfer_is_the_6e_transfer_with_12_epochs():

    def twelve_epochs(cfg):
        cfg.train_cfg.max_epochs = 12
        cfg.train_cfg.val_interval = 12

    assert_transfer(LONG_TRANSFER, LONG, twelve_epochs)


def test_r34_transfer_is_the_6e_transfer_with_depth_34():

    def depth_34(cfg):
        cfg.model.backbone.depth = 34

    assert_transfer(R34_TRANSFER, R34, depth_34)


def test_r34_computes_the_tiny_models_losses():
    """The tiny ResNet-34 builds (16 basic blocks, the tiny model's stage
    channels) and one loss forward on 2 images gives the tiny model's loss
    names, the 10 weighted ones among them: the controller explored on the
    tiny network can drive it."""
    from mmdet.testing import demo_mm_inputs
    names = {}
    for path in (BASELINE, R34):
        model, cfg = build(osp.join(REPO, path))
        model.train()
        torch.manual_seed(0)
        inputs = demo_mm_inputs(batch_size=2, image_shapes=(3, 96, 128),
                                num_items=[3, 4], num_classes=3,
                                with_mask=True, with_semantic=True)
        data = model.data_preprocessor(inputs, True)
        losses = model(**data, mode='loss')
        total, _ = model.parse_losses(losses)
        assert torch.isfinite(total)
        names[path] = (sorted(losses), cfg.loss_weighting.losses)
        backbone = model.backbone
        blocks = [len(getattr(backbone, f'layer{i}')) for i in (1, 2, 3, 4)]
        assert blocks == ([3, 4, 6, 3] if path == R34 else [2, 2, 2, 2])
        assert backbone.layer4[-1].conv2.out_channels == 128
    (tiny_losses, tiny_weighted), (r34_losses, r34_weighted) = \
        names[BASELINE], names[R34]
    assert r34_losses == tiny_losses
    assert r34_weighted == tiny_weighted and len(r34_weighted) == 10
    assert set(r34_weighted) <= set(r34_losses)


def test_panoptic_fpn_m8_exploration_has_the_cascade_m8_schedule():
    """Table 4 at the size of Table 1: Panoptic FPN's m = 8 exploration
    explores like the cascade's (same loop settings), on its own model."""
    explore = 'configs/ada_segment/ada-segment-explore_{}-1xb4-cos-{}_' \
        'synthetic-panoptic.py'
    pfpn = load(explore.format('panoptic-fpn_tiny_m8', '6e'))
    cascade = load(explore.format('tiny_m8', '6e'))
    assert pfpn.train_cfg == cascade.train_cfg
    assert (pfpn.train_cfg.population, pfpn.train_cfg.checkpoints,
            pfpn.train_cfg.interval) == (8, 12, 46)
    pfpn_m4 = load(explore.format('panoptic-fpn_tiny_m4', '2e'))
    assert pfpn.model == pfpn_m4.model
    assert pfpn.model.type != cascade.model.type
    assert pfpn.custom_hooks == cascade.custom_hooks
