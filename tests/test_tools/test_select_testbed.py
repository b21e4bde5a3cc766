"""tools/analysis/select_testbed.py: the rule that picks the scenes setting
(hand-made proxy-val numbers) and the options each candidate trains with."""
import os.path as osp
import sys

import pytest
from mmengine.config import Config

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', '..', 'tools',
                            'analysis'))
import select_testbed as st  # noqa: E402


def runs(*pairs):
    return [dict(PQ=(th + st_) / 2, PQ_th=th, PQ_st=st_) for th, st_ in pairs]


def test_the_rule_takes_the_hardest_candidate_that_meets_both_floors():
    hardest, middle, easiest = st.CANDIDATES  # hardest first
    val = {
        # mean PQ_th 24.9: below the floor of 25 by 0.1
        hardest: runs((20.0, 50.0), (24.7, 50.0), (30.0, 50.0)),
        # mean PQ_th 25.0, PQ_st 35.0: both floors met exactly
        middle: runs((25.0, 34.0), (24.0, 36.0), (26.0, 35.0)),
        easiest: runs((40.0, 60.0)) * 3,
    }
    assert st.choose(val) == middle
    val[middle] = runs((25.0, 34.0), (24.0, 35.9), (26.0, 35.0))  # st 34.97
    assert st.choose(val) == easiest
    val[hardest] = runs((25.0, 35.0)) * 3
    assert st.choose(val) == hardest
    assert st.choose({easiest: runs((10.0, 60.0))}) is None
    assert st.choose({}) is None


def test_the_test_std_is_checked_in_the_same_order():
    """A candidate whose test-split seed std exceeds 0.6 gives way to the
    next one that meets the proxy-val floors; none left: None."""
    hardest, middle, easiest = st.CANDIDATES
    val = {hardest: runs((20.0, 50.0)) * 3, middle: runs((28.0, 50.0)) * 3,
           easiest: runs((40.0, 60.0)) * 3}
    assert st.passing(val) == [middle, easiest]
    assert st.choose(val, {}) == middle  # not tested yet: test it
    assert st.choose(val, {middle: 0.6}) == middle
    assert st.choose(val, {middle: 0.79}) == easiest
    assert st.choose(val, {middle: 0.79, easiest: 0.5}) == easiest
    assert st.choose(val, {middle: 0.79, easiest: 0.61}) is None


def test_each_candidate_trains_on_its_own_data():
    cfg = Config.fromfile(st.BASELINE)
    name = next(iter(st.CANDIDATES))
    opts = st.options(name)
    cfg.merge_from_dict(dict(o.split('=') for o in opts))
    for loader in ('train', 'val', 'test'):
        ds = cfg[f'{loader}_dataloader'].dataset
        assert ds.data_root == f'data/synthetic_panoptic_scenes_{name}/'
        assert ds.synthetic.variant == 'scenes'
        for key, value in st.CANDIDATES[name].items():
            assert float(ds.synthetic[key]) == pytest.approx(value)
