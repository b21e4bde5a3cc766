"""ExploreRunner + ExploreLoop in-process on a toy model with two losses
(about a second per exploration): Algorithm 1's bookkeeping, the hook
stages it calls, resume after an error, and the runner's checks."""
import json
import os

import pytest
import torch
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.registry import DATASETS, METRICS, MODELS
from mmengine.runner import Runner
from mmengine.testing import RunnerTestCase
from mmengine.testing.runner_test_case import ToyDataset
from mmdet.registry import HOOKS

from mmada.engine.runner import ExploreLoop, ExploreRunner
from mmada.utils import load_checkpoint_file


class TwoLossModel(BaseModel):
    """y = w x + b; loss_fit = mean (y - 1)^2, loss_small = 0.1 |w|^2."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        inputs = torch.stack(inputs) if isinstance(inputs, list) else inputs
        out = self.linear(inputs).squeeze(1)
        if mode == 'loss':
            return dict(loss_fit=((out - 1)**2).mean(),
                        loss_small=0.1 * (self.linear.weight**2).sum())
        return [dict(error=float(((o - 1)**2).item())) for o in out]


class NegErrorMetric(BaseMetric):
    """v = -mean squared error (higher is better, like PQ)."""

    def process(self, data_batch, data_samples):
        self.results += [s['error'] for s in data_samples]

    def compute_metrics(self, results):
        return dict(PQ=-sum(results) / len(results))


class StageRecorder(Hook):
    """Counts hook stages; raises once at checkpoint ``fail_at``'s save."""

    def __init__(self, fail_at=None):
        self.calls, self.fail_at = [], fail_at

    def before_train_epoch(self, runner):
        self.calls.append('before_train_epoch')

    def before_save_checkpoint(self, runner, checkpoint):
        self.calls.append(f'save {checkpoint["checkpoint"]}')
        if checkpoint['checkpoint'] == self.fail_at:
            raise RuntimeError('power cut')

    def after_load_checkpoint(self, runner, checkpoint):
        self.calls.append(f'load {checkpoint["checkpoint"]}')


class TestExploreRunner(RunnerTestCase):

    def setUp(self):
        super().setUp()
        MODELS.register_module(module=TwoLossModel, force=True)
        METRICS.register_module(module=NegErrorMetric, force=True)
        DATASETS.register_module(module=ToyDataset, force=True)
        HOOKS.register_module(module=StageRecorder, force=True)
        cfg = self.epoch_based_cfg
        cfg.model = dict(type='TwoLossModel')
        cfg.val_evaluator = [dict(type='NegErrorMetric', prefix='toy')]
        cfg.train_cfg = dict(type='ExploreLoop', max_epochs=3, population=2,
                             checkpoints=2, metric='toy/PQ')
        cfg.runner_type = 'ExploreRunner'
        cfg.default_scope = 'mmdet'
        cfg.randomness = dict(seed=0)
        cfg.loss_weighting = dict(losses=['loss_fit', 'loss_small'])
        cfg.custom_hooks = [dict(type='LossWeightHook')]
        cfg.default_hooks = dict(logger=dict(type='LoggerHook', interval=1))
        cfg.env_cfg = dict(dist_cfg=dict(backend='gloo'))

    def build(self, work_dir, **cfg_options):
        cfg = self.epoch_based_cfg.copy()
        cfg.work_dir = work_dir
        cfg.merge_from_dict(cfg_options)
        cfg.experiment_name = f'explore_{len(os.listdir(self.temp_dir.name))}'
        return ExploreRunner.from_cfg(cfg)

    def explore(self, work_dir, **cfg_options):
        runner = self.build(work_dir, **cfg_options)
        runner.train()
        return runner

    def test_algorithm_1_bookkeeping_and_hook_stages(self):
        work_dir = os.path.join(self.temp_dir.name, 'run')
        recorder = dict(type='StageRecorder')
        runner = self.explore(
            work_dir, custom_hooks=[dict(type='LossWeightHook'), recorder])
        loop = runner.train_loop
        assert isinstance(loop, ExploreLoop)
        # 12 images / batch 3 = 4 iterations per epoch = q; 3 epochs = 12
        assert (loop.interval, loop.num_checkpoints, loop.max_iters) == (4, 2,
                                                                         12)
        # M_best^T: the pseudo epoch + T intervals of 4 iterations
        assert (runner.iter, runner.epoch) == (12, 3)
        # CheckpointHook was dropped (the loop saves)
        names = [type(h).__name__ for h in runner.hooks]
        assert 'LossWeightHook' in names and 'CheckpointHook' not in names
        calls = next(h for h in runner.hooks
                     if type(h).__name__ == 'StageRecorder').calls
        # each member's interval is an epoch: 1 + T * m; a save per t
        assert calls.count('before_train_epoch') == 1 + 2 * 2
        assert [c for c in calls if c.startswith('save')] == [
            'save 0', 'save 1', 'save 2'
        ]
        with open(os.path.join(work_dir, 'explore_log.jsonl')) as f:
            log = [json.loads(line) for line in f]
        assert [e['checkpoint'] for e in log] == [0, 1, 2]
        for entry in log[1:]:
            v = [m['v'] for m in entry['members']]
            assert entry['best'] == v.index(max(v))
            assert entry['v_best'] == max(v)
        ctrl = load_checkpoint_file(os.path.join(work_dir, 'controller.pth'))
        assert ctrl['loss_names'] == ['loss_fit', 'loss_small']
        assert len(ctrl['snapshots']) == 2
        assert ctrl['best_loss_weights'].tolist() == \
            log[2]['members'][log[2]['best']]['loss_weights']

    def test_resume_after_an_error_equals_uninterrupted(self):
        whole = os.path.join(self.temp_dir.name, 'whole')
        self.explore(whole)
        cut = os.path.join(self.temp_dir.name, 'cut')
        with pytest.raises(RuntimeError, match='power cut'):
            self.explore(cut, custom_hooks=[
                dict(type='LossWeightHook'),
                dict(type='StageRecorder', fail_at=2)
            ])
        runner = self.explore(cut, resume=True, custom_hooks=[
            dict(type='LossWeightHook'),
            dict(type='StageRecorder')
        ])
        calls = next(h for h in runner.hooks
                     if type(h).__name__ == 'StageRecorder').calls
        assert calls[0] == 'load 1'  # continued after checkpoint 1
        assert calls.count('before_train_epoch') == 2  # checkpoint 2 only
        a = load_checkpoint_file(os.path.join(whole, 'controller.pth'))
        b = load_checkpoint_file(os.path.join(cut, 'controller.pth'))
        for pa, pb in zip(a['snapshots'], b['snapshots']):
            for key in pa:
                assert torch.equal(pa[key], pb[key]), key
        ma = load_checkpoint_file(os.path.join(whole, 'best_model.pth'))
        mb = load_checkpoint_file(os.path.join(cut, 'best_model.pth'))
        for key, value in ma['state_dict'].items():
            assert torch.equal(value, mb['state_dict'][key]), key

    def test_load_from_gives_the_pseudo_epoch_its_weights(self):
        model = TwoLossModel()
        torch.nn.init.constant_(model.linear.weight, 0.5)
        path = os.path.join(self.temp_dir.name, 'init.pth')
        torch.save(dict(state_dict=model.state_dict()), path)
        runner = self.build(os.path.join(self.temp_dir.name, 'loaded'),
                            load_from=path)
        runner.load_or_resume()
        weight = runner.model.linear.weight  # on the GPU where there is one
        assert torch.equal(weight.cpu(), torch.full((1, 2), 0.5))

    def test_checks(self):
        work_dir = os.path.join(self.temp_dir.name, 'bad')
        with pytest.raises(TypeError, match="ExploreLoop needs runner_type="
                           "'ExploreRunner'.*RUNNERS.build"):
            cfg = self.epoch_based_cfg.copy()
            cfg.work_dir = work_dir
            Runner.from_cfg(cfg).train()  # a plain Runner
        with pytest.raises(ValueError, match="needs train_cfg = dict"):
            self.build(work_dir, train_cfg=dict(
                _delete_=True, type='EpochBasedTrainLoop', max_epochs=1))
        with pytest.raises(ValueError, match=r"needs dict\(type="
                           r"'LossWeightHook'\) in custom_hooks"):
            self.build(work_dir, custom_hooks=[])
        with pytest.raises(ValueError, match='population must be an '
                           'integer >= 2'):
            self.build(work_dir, train_cfg=dict(population=1))
        with pytest.raises(ValueError, match='need 16'):  # (1 + 3) * 4 > 12
            self.build(work_dir, train_cfg=dict(checkpoints=3)).train()
        with pytest.raises(ValueError, match='accumulative_counts \\(3\\) '
                           'must divide the interval q \\(4\\)'):
            self.build(work_dir, optim_wrapper=dict(
                accumulative_counts=3)).train()
