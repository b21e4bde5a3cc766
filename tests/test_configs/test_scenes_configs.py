"""The scenes testbed's configs: its Baseline is the first Baseline on the
scenes data (and the lr chosen for it on proxy val), and every method config
on it is that Baseline plus the method's own part, the same part as the
method's config on the first dataset where there is one."""
import os.path as osp

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FIRST = ('configs/cascade_panoptic_fpn/'
         'cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py')
SCENES = FIRST.replace('.py', '-scenes.py')
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
EXPLORE = ('configs/ada_segment/'
           'ada-segment-explore_tiny_m8-1xb4-cos-6e_synthetic-panoptic.py')
TRANSFER = 'configs/ada_segment/ada-segment_tiny_1xb4-cos-6e_synthetic-panoptic.py'  # noqa: E501
#: scenes config -> its counterpart on the first dataset (None: new)
METHODS = {
    EXPLORE.replace('.py', '-scenes.py'): EXPLORE,
    TRANSFER.replace('.py', '-scenes.py'): TRANSFER,
    **{
        f'configs/baselines/{m}_tiny_1xb4-cos-6e_synthetic-panoptic-scenes'
        '.py': f'configs/baselines/{m}_tiny_1xb4-cos-6e_synthetic-panoptic.py'
        for m in ('imtl-l', 'uncertainty', 'dwa')
    },
    **{
        f'configs/baselines/{m}_tiny_1xb4-cos-6e_synthetic-panoptic-scenes'
        '.py': None
        for m in ('imtl-l-rescaled', 'uncertainty-rescaled',
                  'geometric-mean', 'static-weights')
    },
}


def load(path):
    return Config.fromfile(osp.join(REPO, path))


def test_scenes_baseline_is_the_first_on_the_scenes_data():
    from mmada.datasets import check_num_classes
    from mmada.datasets.synthetic import SyntheticOptions, default_root
    first, scenes = load(FIRST), load(SCENES)
    check_num_classes(scenes)
    expected = first.to_dict()
    for key in LOADERS:
        ds = scenes[key].dataset
        assert ds.data_root == default_root('scenes') + '/'
        # the first dataset's splits and seed, a 300-image test split, every
        # image option the variant's
        assert SyntheticOptions(**ds.synthetic) == SyntheticOptions(
            variant='scenes', num_val=300)
        expected[key]['dataset'].update(data_root=ds.data_root,
                                        synthetic=ds.synthetic)
    expected.update(data_root=scenes.data_root, synthetic=scenes.synthetic,
                    optim_wrapper=scenes.optim_wrapper)
    assert scenes.to_dict() == expected
    # the lr is the only optimizer setting that may differ
    mine, theirs = scenes.optim_wrapper.to_dict(), first.optim_wrapper
    mine['optimizer'] = dict(mine['optimizer'], lr=theirs.optimizer.lr)
    assert mine == theirs.to_dict()


@pytest.mark.parametrize('path', sorted(METHODS), ids=osp.basename)
def test_scenes_method_config_is_the_scenes_baseline_plus_its_method(path):
    scenes, method = load(SCENES), load(path)
    own = ('custom_hooks', 'runner_type', 'train_cfg', 'controller')
    mine = {k: v for k, v in method.to_dict().items() if k not in own}
    theirs = {k: v for k, v in scenes.to_dict().items() if k not in own}
    assert mine == theirs
    assert method.custom_hooks != scenes.custom_hooks
    if METHODS[path] is None:
        assert method.train_cfg == scenes.train_cfg
        return
    first = load(METHODS[path]).to_dict()
    expected = {k: first.get(k) for k in own}
    if 'controller' in first:  # the scenes exploration's controller
        controller = first['controller'].replace(
            'm4-1xb4-cos-2e_synthetic-panoptic',
            'm8-1xb4-cos-6e_synthetic-panoptic-scenes')
        expected['controller'] = controller
        expected['custom_hooks'][1]['weighting']['controller'] = controller
    assert {k: method.to_dict().get(k) for k in own} == expected


def test_equalised_start_configs_differ_from_the_defaults_by_it_alone():
    """Eq. 1's equalised start on the scenes testbed: the exploration is the
    scenes exploration with ``controller=dict(equalise='mean')``, its
    transfer the scenes transfer reading its controller, and the untrained
    equaliser the scenes transfer driven by pi^0 built from settings."""
    explore = load(EXPLORE.replace('.py', '-scenes.py')).to_dict()
    mine = load(EXPLORE.replace('explore_', 'explore-equalised_').replace(
        '.py', '-scenes.py')).to_dict()
    assert mine['train_cfg'].pop('controller') == dict(equalise='mean')
    assert mine == explore
    transfer = load(TRANSFER.replace('.py', '-scenes.py')).to_dict()
    mine = load(TRANSFER.replace('ada-segment_', 'ada-segment-equalised_')
                .replace('.py', '-scenes.py')).to_dict()
    path = ('work_dirs/ada-segment-explore-equalised_tiny_m8-1xb4-cos-6e_'
            'synthetic-panoptic-scenes/controller.pth')
    assert mine['controller'] == path
    assert mine['custom_hooks'][1]['weighting']['controller'] == path
    for cfg in (mine, transfer):
        cfg.pop('controller')
        cfg['custom_hooks'][1]['weighting'].pop('controller')
    assert mine == transfer
    untrained = load(TRANSFER.replace(
        'ada-segment_', 'ada-segment-untrained-equalised_').replace(
            '.py', '-scenes.py')).to_dict()
    assert untrained['custom_hooks'][1]['weighting'] == dict(
        type='AdaSegmentWeighting', controller=dict(equalise='mean'),
        mode='untrained')
    untrained.pop('controller')
    untrained['custom_hooks'][1]['weighting'].update(mode='comb-dy')
    untrained['custom_hooks'][1]['weighting'].pop('controller')
    assert untrained == transfer


def test_long_horizon_exploration_differs_by_it_alone():
    """The two-horizon scenes exploration (issue 23) is the scenes
    exploration with members 5-8 on windows of 3 intervals."""
    explore = load(EXPLORE.replace('.py', '-scenes.py')).to_dict()
    mine = load(EXPLORE.replace('explore_', 'explore-long_').replace(
        '.py', '-scenes.py')).to_dict()
    assert mine['train_cfg'].pop('long_horizon') == dict(members=4,
                                                         intervals=3)
    assert mine == explore
