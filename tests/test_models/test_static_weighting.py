"""StaticWeighting: constant loss weights by name, pattern or position."""
import pytest

import mmada  # noqa: F401
from mmada.models import StaticWeighting

NAMES = [
    's0.loss_cls', 's0.loss_bbox', 's0.loss_mask', 's1.loss_cls',
    's1.loss_bbox', 's1.loss_mask', 's2.loss_cls', 's2.loss_bbox',
    's2.loss_mask', 'loss_seg'
]


def test_weights_by_name_and_pattern_first_match_wins():
    w = StaticWeighting(NAMES, loss_weights={
        's*.loss_bbox': 2.0, 's0.*': 3.0, 'loss_seg': 0.5})
    # s0.loss_bbox: 's*.loss_bbox' comes first -> 2; s0.loss_cls and
    # s0.loss_mask -> 3; the other stages' cls and mask: no key -> 1
    assert w.loss_weights == [3.0, 2.0, 3.0, 1.0, 2.0, 1.0, 1.0, 2.0, 1.0,
                              0.5]


def test_weights_by_position_and_from_patterns():
    grid_point = [2 / 3] * 9 + [0.5]
    assert StaticWeighting(NAMES, loss_weights=grid_point).loss_weights == \
        grid_point
    w = StaticWeighting(['s*.loss_cls', 'loss_seg'],
                        loss_weights={'loss_seg': 2})
    assert w.loss_weights is None  # known once the patterns resolve
    w.resolve(['s1.loss_cls', 's0.loss_cls', 'loss_seg', 's0.acc'])
    assert (w.names, w.loss_weights) == (
        ['s0.loss_cls', 's1.loss_cls', 'loss_seg'], [1.0, 1.0, 2.0])


def test_bad_weights_name_the_key():
    for bad in (None, {}, [], {'loss_seg': 0}, [1.0, -1.0], {'loss_seg': True},
                {3: 1.0}):
        with pytest.raises(ValueError, match='StaticWeighting.loss_weights: '
                           'expected a non-empty dict'):
            StaticWeighting(NAMES, loss_weights=bad)
    with pytest.raises(KeyError, match=r"\['loss_sem'\] match no weighted "
                       'loss; the losses are'):
        StaticWeighting(NAMES, loss_weights={'loss_sem': 2.0})
    with pytest.raises(ValueError, match='got 2 loss weights for 10 losses'):
        StaticWeighting(NAMES, loss_weights=[1.0, 2.0])
