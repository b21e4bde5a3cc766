"""Baseline-G's grid points (mmada/baselines/grid.py)."""
import pytest

from mmada.baselines.grid import GRID, grid_options, grid_points, main


def test_nine_points_det_major_with_the_baseline_among_them():
    points = grid_points()
    assert GRID == (0.5, 1.0, 2.0)
    assert points[:4] == [(0.5, 0.5), (0.5, 1.0), (0.5, 2.0), (1.0, 0.5)]
    assert len(points) == 9 and (1.0, 1.0) in points


def test_config_way_splits_det_over_the_three_stages():
    # det 1.5 over 3 stages: 0.5 each; seg on loss_seg
    assert grid_options(1.5, 2, 'config') == [
        'model.roi_head.stage_loss_weights=[0.5,0.5,0.5]',
        'model.semantic_head.loss_seg.loss_weight=2.0'
    ]


def test_hook_way_puts_det_on_nine_losses_and_seg_on_the_last():
    (option, ) = grid_options(2, 0.5, 'hook')
    key, value = option.split('=')
    assert key == 'custom_hooks.1.weighting.loss_weights'
    assert value == '[' + ','.join(['2.0'] * 9 + ['0.5']) + ']'


def test_bad_way_or_weight_is_named():
    with pytest.raises(ValueError, match="way must be one of .*'hooks'"):
        grid_options(1, 1, 'hooks')
    with pytest.raises(ValueError, match='det=0.0'):
        grid_options(0.0, 1, 'hook')


def test_cli_prints_the_options_for_train_py(capsys):
    main(['config', '3', '1'])
    assert capsys.readouterr().out.split() == [
        'model.roi_head.stage_loss_weights=[1.0,1.0,1.0]',
        'model.semantic_head.loss_seg.loss_weight=1.0'
    ]
