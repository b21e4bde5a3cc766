"""LossWeightHook stage by stage on mmengine's toy runner: argument checks
and precedence, the weighted losses, the interval losses, a weighting rule
driven through the hook (transfer), logging and resume."""
import copy
from unittest import mock

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.testing import RunnerTestCase
from mmengine.testing.runner_test_case import ToyModel
from toy_controller import write_controller

import mmada  # noqa: F401
from mmada.engine.hooks import LossWeightHook
from mmada.models import AdaSegmentWeighting

NAMES = ['loss_a', 'loss_b']


class TwoLossModel(ToyModel):
    """mmengine's toy model with a loss dict of two named losses."""

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if mode != 'loss':
            return super().forward(inputs, data_samples, mode)
        out = super().forward(inputs, data_samples, 'tensor').squeeze(-1)
        labels = torch.stack(data_samples)
        return dict(loss_a=(out - labels).pow(2).mean(),
                    loss_b=out.abs().mean(),
                    acc=torch.tensor(0.5))


class Record(Hook):
    """Runs after LossWeightHook: the unweighted losses and the outputs of
    every iteration, and the loss weights it trained with."""
    priority = 'LOWEST'

    def __init__(self):
        self.values, self.outputs, self.loss_weights = [], [], []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        weighting = _hook(runner).weighting
        if weighting.names is None:
            self.loss_weights.append(None)
        else:
            self.loss_weights.append(weighting.loss_weights
                                     or [1.0] * len(weighting.names))

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.values.append(_hook(runner).weighting.values.tolist())
        self.outputs.append({k: float(v) for k, v in outputs.items()})


def _hook(runner) -> LossWeightHook:
    hooks = [h for h in runner.hooks if isinstance(h, LossWeightHook)]
    assert len(hooks) == 1
    return hooks[0]


class TestLossWeightHook(RunnerTestCase):

    def setUp(self):
        super().setUp()
        from mmengine.registry import MODELS
        MODELS.register_module(module=TwoLossModel, force=True)
        self.controller = write_controller(
            f'{self.temp_dir.name}/controller.pth', NAMES,
            [[1.0, 2.0], [3.0, 1.0]])

    def tearDown(self):
        from mmengine.registry import MODELS
        MODELS.module_dict.pop('TwoLossModel', None)
        super().tearDown()

    def cfg(self, hook=None, epochs=2, **loss_weighting):
        """3 samples a batch, 4 iterations an epoch."""
        cfg = copy.deepcopy(self.epoch_based_cfg)
        cfg.default_scope = 'mmdet'  # the hook and the rules are mmdet's
        cfg.model = dict(type='TwoLossModel')
        cfg.train_cfg = dict(by_epoch=True, max_epochs=epochs,
                             val_interval=100)
        cfg.randomness = dict(seed=0)
        cfg.loss_weighting = dict(losses=NAMES, **loss_weighting)
        cfg.custom_hooks = [dict(type='LossWeightHook', **(hook or {}))]
        cfg.default_hooks = dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(type='CheckpointHook', interval=1))
        return cfg

    # -- __init__ -------------------------------------------------------------
    def test_init_checks_arguments_and_builds_the_rule(self):
        bad = [
            (dict(losses='loss_a'), ValueError, 'losses must be a non-empty'),
            (dict(heads={'loss_a': 'linear1'}), ValueError, 'heads must be'),
            (dict(head_lr_scaling='no'), TypeError, 'head_lr_scaling must'),
            (dict(min_lambda=0), ValueError, 'min_lambda must be a number'),
            (dict(weighting='GradNormWeighting'), TypeError, 'with a `type`'),
            (dict(weighting=dict(type='GradNormWeighting', losses=NAMES)),
             KeyError, 'no `losses`'),
            # the rule's own arguments, checked when the hook is built
            (dict(weighting=dict(type='GradNormWeighting', min_weight=0)),
             ValueError, 'min_weight must be > 0'),
            (dict(weighting=dict(type='AdaSegmentWeighting',
                                 controller=self.controller, mode='comb')),
             ValueError, 'mode must be one of'),
        ]
        for kwargs, error, match in bad:
            with pytest.raises(error, match=match):
                LossWeightHook(**kwargs)
        hook = LossWeightHook(weighting=dict(
            type='AdaSegmentWeighting', controller=self.controller))
        assert isinstance(hook.weighting, AdaSegmentWeighting)
        assert hook.weighting.patterns is hook.weighting.names is None

    # -- before_run -----------------------------------------------------------
    def test_before_run_argument_wins_then_config_then_default(self):
        cfg = self.cfg(hook=dict(losses=['loss_b'], head_lr_scaling=False),
                       heads={'loss_a': ['linear2']}, head_lr_scaling=True)
        runner = self.build_runner(cfg)
        hook = _hook(runner)
        hook.before_run(runner)
        assert hook.settings == dict(losses=['loss_b'],
                                     heads={'loss_a': ['linear2']},
                                     head_lr_scaling=False, min_lambda=0.1)
        assert hook.weighting.patterns == hook.weighting.names == ['loss_b']
        assert hook.weighting.head_scaling is None  # the argument's False won
        # without the argument, the config's True: head gradients scaled
        cfg = self.cfg(heads={'loss_a': ['linear2']}, min_lambda=0.5)
        runner = self.build_runner(cfg)
        hook = _hook(runner)
        hook.before_run(runner)
        assert hook.settings['head_lr_scaling'] is True
        assert hook.weighting.head_scaling.min_lambda == 0.5
        assert hook.weighting.loss_weights is None  # all 1
        assert runner.model.loss_weighting is hook.weighting

    def test_before_run_checks_the_config(self):
        runner = self.build_runner(self.cfg(min_lambda=-1))
        with pytest.raises(ValueError, match='loss_weighting.min_lambda'):
            _hook(runner).before_run(runner)
        runner = self.build_runner(self.cfg(loss=['x']))
        with pytest.raises(KeyError, match=r"unknown keys \['loss'\]"):
            _hook(runner).before_run(runner)
        cfg = self.cfg()
        cfg.pop('loss_weighting')
        runner = self.build_runner(cfg)
        with pytest.raises(KeyError, match='no losses to weight'):
            _hook(runner).before_run(runner)

    # -- after_train_iter -----------------------------------------------------
    def test_training_weights_the_losses_and_sums_them(self):
        cfg = self.cfg()
        runner = self.build_runner(cfg)
        hook = _hook(runner)
        record = Record()
        runner.register_hook(record)
        hook.before_run(runner)
        hook.weighting.set_loss_weights([2.0, 0.5])
        runner.train()
        assert len(record.values) == 8
        for (a, b), out in zip(record.values, record.outputs):
            assert out['loss_a'] == pytest.approx(2 * a)
            assert out['loss_b'] == pytest.approx(0.5 * b)
        # the mean since the last reset, then nothing left
        np.testing.assert_allclose(hook.weighting.interval_losses(),
                                   np.mean(record.values, axis=0))
        with pytest.raises(RuntimeError, match='no training iteration'):
            hook.weighting.interval_losses()

    def test_static_weights_and_their_head_scaling(self):
        """StaticWeighting through the hook: the weights from the first
        iteration on, the head of each loss at 1 / lambda."""
        cfg = self.cfg(hook=dict(weighting=dict(
            type='StaticWeighting', loss_weights={'loss_b': 4.0})),
                       heads={'loss_b': ['linear2']})
        runner = self.build_runner(cfg)
        hook = _hook(runner)
        record = Record()
        runner.register_hook(record)
        runner.train()
        assert record.loss_weights == [[1.0, 4.0]] * 8
        for (a, b), out in zip(record.values, record.outputs):
            assert out['loss_a'] == pytest.approx(a)
            assert out['loss_b'] == pytest.approx(4 * b)
        assert hook.weighting.head_scaling.scales == {
            'linear2.weight': 0.25, 'linear2.bias': 0.25}

    # -- a rule with intervals: transfer --------------------------------------
    def test_transfer_rule_sets_the_weights_of_each_interval(self):
        cfg = self.cfg(
            hook=dict(weighting=dict(type='AdaSegmentWeighting',
                                     controller=self.controller, gamma=0.5)),
            epochs=3)
        runner = self.build_runner(cfg)
        record = Record()
        runner.register_hook(record)
        with mock.patch.object(runner.visualizer, 'add_scalars') as scalars:
            runner.train()
        hook = _hook(runner)
        assert hook.weighting.interval == 4  # one epoch
        lam = record.loss_weights
        assert lam[:4] == [[1.0, 1.0]] * 4  # the pseudo interval
        l1, l2 = (np.mean(record.values[i:i + 4], axis=0) for i in (0, 4))
        # Eq. 7 with pi^t = b^t / x (see test_ada_segment_weighting.py)
        x = l2 / l1
        expected = [(np.array([1.0, 2.0]) + 0.5 * np.array([3.0, 1.0])) / 1.5,
                    (0.5 * np.array([1.0, 2.0]) / x +
                     np.array([3.0, 1.0]) / x) / 1.5]
        for interval in (1, 2):
            for i in range(4 * interval, 4 * interval + 4):
                np.testing.assert_allclose(lam[i], expected[interval - 1])
        logged = [c for c in scalars.call_args_list
                  if any(k.startswith('loss_weights/') for k in c.args[0])]
        # as soon as they are set (the logger's interval here is 1: also
        # every following iteration)
        steps = {c.kwargs['step']: c.args[0] for c in logged}
        assert sorted(steps) == list(range(4, 13))
        for step, interval in ((4, 0), (8, 1)):
            assert steps[step] == pytest.approx({
                f'loss_weights/{n}': w
                for n, w in zip(NAMES, expected[interval])
            })

    # -- resume ---------------------------------------------------------------
    def test_resume_continues_exactly(self):
        """Trained 3 epochs in one go, or 2 then resumed for the third: the
        same weights, state and model. Intervals of 3 iterations, so the
        checkpoint (after iteration 8) holds the sums of iterations 7 and 8;
        patterns: the resumed run adopts the names of the first."""
        hook_cfg = dict(losses=['loss_*'], weighting=dict(
            type='AdaSegmentWeighting', controller=self.controller,
            interval=3))
        runner = self.build_runner(self.cfg(hook=hook_cfg, epochs=3))
        runner.train()
        straight = _hook(runner)
        params = [p.detach().clone() for p in runner.model.parameters()]

        cfg = self.cfg(hook=hook_cfg, epochs=3)
        cfg.resume = True
        cfg.load_from = f'{self.temp_dir.name}/epoch_2.pth'
        cfg.work_dir = f'{self.temp_dir.name}/resumed'
        resumed_runner = self.build_runner(cfg)
        resumed = _hook(resumed_runner)
        checkpoints = []
        original = resumed.after_load_checkpoint

        def after_load_checkpoint(runner, checkpoint):
            original(runner, checkpoint)
            checkpoints.append(checkpoint['loss_weights'])
            # weighted from the 1st forward on: names adopted, not resolved
            assert resumed.weighting.names == NAMES
            assert resumed.weighting.interval_count == 2

        resumed.after_load_checkpoint = after_load_checkpoint
        resumed_runner.train()
        assert checkpoints[0]['loss_weights'] != [1.0, 1.0]
        assert checkpoints[0]['count'] == 2
        assert resumed.weighting.loss_weights == pytest.approx(
            straight.weighting.loss_weights, rel=1e-12)
        assert resumed.weighting.interval_count == 4
        np.testing.assert_array_equal(resumed.weighting.l_ref,
                                      straight.weighting.l_ref)
        for p, q in zip(params, resumed_runner.model.parameters()):
            torch.testing.assert_close(p, q.detach())
