"""Loss weights in parse_losses, the interval losses, and the 1/lambda head
gradient scaling."""
import copy
from unittest import mock

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper

import mmada  # noqa: F401
from mmada.models import HeadGradScaling, LossWeighting, add_loss_weighting
from mmada.models import loss_weighting
from tiny import TINY_MODEL, tiny_batch, tiny_model

NAMES = [
    's0.loss_cls', 's0.loss_bbox', 's0.loss_mask', 's1.loss_cls',
    's1.loss_bbox', 's1.loss_mask', 's2.loss_cls', 's2.loss_bbox',
    's2.loss_mask', 'loss_seg'
]


def train(model, steps=3, lr=0.01):
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=lr,
                                         momentum=0.9, weight_decay=1e-4))
    model.train()
    for step in range(steps):
        torch.manual_seed(100 + step)  # the RoI samplers draw from torch
        model.train_step(tiny_batch(step), optim)
    return model


def test_resolve_patterns_and_unknown_names():
    w = LossWeighting(['s*.loss_cls', 'loss_seg'])
    assert w.names is None
    keys = ['loss_rpn_cls', 's1.loss_cls', 's0.loss_cls', 'loss_seg', 's0.acc']
    assert w.resolve(keys) == ['s0.loss_cls', 's1.loss_cls', 'loss_seg']
    with pytest.raises(KeyError, match="'loss_sem' matches no loss.*loss_seg"):
        LossWeighting(['loss_sem']).resolve(keys)
    with pytest.raises(ValueError, match='non-empty list'):
        LossWeighting('loss_seg')


def test_weights_multiply_named_entries_and_keep_raw_values():
    w = LossWeighting(['a', 'b'])
    losses = dict(a=torch.tensor(2.0), b=[torch.tensor([1.0, 3.0])],
                  c=torch.tensor(5.0))
    w.set_loss_weights([0.5, 3.0])
    out = w(losses)
    assert out['a'].item() == 1.0  # 0.5 * 2
    assert out['b'][0].tolist() == [3.0, 9.0]
    assert out['c'] is losses['c']
    # unweighted values, reduced as mmengine's parse_losses does
    assert w.values.tolist() == [2.0, 2.0]
    with pytest.raises(ValueError, match='3 loss weights for 2 losses'):
        w.set_loss_weights([1, 2, 3])


def test_all_weights_one_is_bit_for_bit_plain_mmdet():
    plain, _ = tiny_model()
    weighted = copy.deepcopy(plain)
    weighting = add_loss_weighting(weighted, LossWeighting(NAMES))
    weighting.set_loss_weights([1.0] * 10)
    cfg = Config.fromfile(TINY_MODEL)
    heads = HeadGradScaling(weighted, cfg.loss_weighting.heads, NAMES)
    heads.set_loss_weights([1.0] * 10)
    train(plain)
    train(weighted)
    assert type(weighted).__name__ == type(plain).__name__
    for (n, p), q in zip(plain.state_dict().items(),
                         weighted.state_dict().values()):
        assert torch.equal(p, q), n
    assert weighting.values.shape == (10, )


def test_weighted_total_loss():
    model, _ = tiny_model()
    model.train()
    data = model.data_preprocessor(tiny_batch(), True)
    torch.manual_seed(0)
    losses = model(**data, mode='loss')
    plain_total, _ = model.parse_losses(losses)
    w = add_loss_weighting(model, LossWeighting(NAMES))
    w.set_loss_weights([1.0] * 9 + [3.0])
    total, log_vars = model.parse_losses(losses)
    # lambda_seg = 3 adds 2 * loss_seg to the total
    expected = plain_total + 2 * losses['loss_seg']
    assert torch.allclose(total, expected, rtol=1e-6)
    assert torch.allclose(log_vars['loss_seg'], 3 * losses['loss_seg'])


def grads_after_backward(model, weights, scaling):
    model.zero_grad()
    data = model.data_preprocessor(tiny_batch(), True)
    torch.manual_seed(0)
    w = add_loss_weighting(model, LossWeighting(NAMES))
    w.set_loss_weights(weights)
    if scaling is not None:
        scaling.set_loss_weights(weights)
    total, _ = model.parse_losses(model(**data, mode='loss'))
    total.backward()
    return {n: p.grad.clone() for n, p in model.named_parameters()
            if p.grad is not None}


def test_head_gradients_undo_lambda_backbone_keeps_it():
    model, cfg = tiny_model()
    model.train()
    base = grads_after_backward(model, [1.0] * 10, None)
    scaling = HeadGradScaling(model, cfg.loss_weighting.heads, NAMES)
    # lambda = 2 for every loss: multiplying by 2 then by 1/2 is exact
    doubled = grads_after_backward(model, [2.0] * 10, scaling)
    head = 'semantic_head.conv_logits.weight'
    assert torch.equal(doubled[head], base[head])
    shared = 'roi_head.bbox_head.0.shared_fcs.0.weight'
    assert torch.equal(doubled[shared], base[shared])
    # the backbone gets 2x the weighted losses' gradient (+ the unweighted
    # RPN losses' gradient): it keeps lambda
    backbone = 'backbone.conv1.weight'
    assert not torch.allclose(doubled[backbone], base[backbone], rtol=0.1)
    scaling.remove()


def test_head_scale_factors_by_hand():
    model, cfg = tiny_model()
    scaling = HeadGradScaling(model, cfg.loss_weighting.heads, NAMES,
                              min_lambda=0.1)
    lam = [4.0, 0.5, 1.0, 1, 1, 1, 1, 1, 1, 0.01]
    scaling.set_loss_weights(lam)
    s = scaling.scales
    assert s['roi_head.bbox_head.0.fc_cls.weight'] == 1 / 4
    assert s['roi_head.bbox_head.0.fc_reg.weight'] == 1 / 0.5
    # shared fcs serve loss_cls and loss_bbox: 1 / mean(4, 0.5) = 1 / 2.25
    assert s['roi_head.bbox_head.0.shared_fcs.0.weight'] == pytest.approx(
        1 / 2.25)
    # lambda 0.01 is clamped to 0.1 before inverting
    assert s['semantic_head.conv_logits.weight'] == pytest.approx(10.0)
    assert 'backbone.conv1.weight' not in s
    with pytest.raises(KeyError, match="no parameter of the model"):
        HeadGradScaling(model, {'loss_seg': ['semantic_hed']}, NAMES)
    with pytest.raises(KeyError, match='not weighted losses'):
        HeadGradScaling(model, {'loss_x': ['semantic_head']}, NAMES)


class _TwoPart(torch.nn.Module):
    """A backbone and a head, float64."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.backbone = torch.nn.Linear(3, 4).double()
        self.head = torch.nn.Linear(4, 2).double()

    def loss(self, x):
        return self.head(torch.tanh(self.backbone(x))).pow(2).mean()


def _train(schedule, per_group, attach=True, wd=1e-2):
    """SGD (momentum 0.9, weight decay ``wd``) on loss = lambda * L over
    ``schedule`` (lambda per step): the head's 1/lambda either through
    HeadGradScaling or as the reference, a param group with lr / lambda and
    weight decay lambda * wd (reset at every change of lambda)."""
    model, lr = _TwoPart(), 0.1
    x = torch.randn(8, 3, dtype=torch.float64,
                    generator=torch.Generator().manual_seed(1))
    groups = [dict(params=model.backbone.parameters()),
              dict(params=model.head.parameters())]
    opt = torch.optim.SGD(groups, lr=lr, momentum=0.9, weight_decay=wd)
    scaling = None
    if not per_group:
        scaling = HeadGradScaling(model, {'loss_a': ['head']}, ['loss_a'],
                                  min_lambda=1e-3)
        if attach:
            scaling.attach_optimizer(opt)
    for lam in schedule:
        if per_group:
            opt.param_groups[1].update(lr=lr / lam, weight_decay=wd * lam)
        else:
            scaling.set_loss_weights([lam])
        opt.zero_grad()
        (lam * model.loss(x)).backward()
        opt.step()
    return torch.cat([p.detach().flatten() for p in model.parameters()])


@pytest.mark.parametrize('wd', [0.0, 1e-2])
def test_head_lr_is_exactly_lr_over_lambda_across_a_switch(wd):
    """lambda 2 for 5 steps, then 0.5: the momentum built with factor 1/2
    is brought to factor 2 at the switch, so the head follows lr / lambda
    (and weight decay lambda * wd) exactly."""
    schedule = [2.0] * 5 + [0.5] * 5
    reference = _train(schedule, per_group=True, wd=wd)
    assert torch.allclose(_train(schedule, per_group=False, wd=wd),
                          reference, rtol=0, atol=1e-12)
    # without the momentum rescaling the head drifts from lr / lambda
    stale = _train(schedule, per_group=False, attach=False, wd=wd)
    assert (stale - reference).abs().max() > 1e-3
    # constant lambda: the two were already equal
    assert torch.allclose(_train([2.0] * 6, per_group=False, attach=False,
                                 wd=wd),
                          _train([2.0] * 6, per_group=True, wd=wd),
                          rtol=0, atol=1e-12)


def test_momentum_rescaling_attaches_sgd():
    model = _TwoPart()
    scaling = HeadGradScaling(model, {'loss_a': ['head']}, ['loss_a'])
    scaling.attach_optimizer(torch.optim.SGD(model.parameters(), lr=0.1))
    assert scaling.optimizer is not None


def test_head_lr_follows_a_rule_that_sets_lambda_every_step():
    """A rule that sets its own lambda every iteration (as GradNorm and the
    torchjd scalarizers do, never through the hook): with ``source`` the
    head factors follow the weights that weighted each loss dict, so the
    head follows lr / lambda exactly (the same reference as above, lambda
    changing at every step), also when the rule moves its weights on after
    weighting (GradNorm sets w(t+1) before the backward of w(t))."""
    schedule = [2.0, 0.5, 1.5, 0.25, 3.0, 1.0]
    reference = _train(schedule, per_group=True)
    model, lr = _TwoPart(), 0.1
    x = torch.randn(8, 3, dtype=torch.float64,
                    generator=torch.Generator().manual_seed(1))
    groups = [dict(params=model.backbone.parameters()),
              dict(params=model.head.parameters())]
    opt = torch.optim.SGD(groups, lr=lr, momentum=0.9, weight_decay=1e-2)
    class MovesOn(LossWeighting):

        def __call__(self, losses):
            weighted = super().__call__(losses)
            self.loss_weights = [7.0]  # the next step's, before backward
            return weighted

    rule = MovesOn(['loss_a'])
    scaling = HeadGradScaling(model, {'loss_a': ['head']}, ['loss_a'],
                              min_lambda=1e-3, source=rule)
    scaling.attach_optimizer(opt)
    for lam in schedule:
        rule.set_loss_weights([lam])  # the rule alone, not the scaling
        opt.zero_grad()
        rule(dict(loss_a=model.loss(x)))['loss_a'].backward()
        opt.step()
    followed = torch.cat([p.detach().flatten() for p in model.parameters()])
    assert torch.allclose(followed, reference, rtol=0, atol=1e-12)


@pytest.mark.parametrize('optimizer', [torch.optim.Adam, torch.optim.AdamW])
def test_head_lr_scaling_refuses_adaptive_optimizers(optimizer):
    model = _TwoPart()
    scaling = HeadGradScaling(model, {'loss_a': ['head']}, ['loss_a'])
    with pytest.raises(ValueError, match=rf"exact only with SGD; "
                       rf"{optimizer.__name__} normalises it away: use SGD "
                       'or set head_lr_scaling=False'):
        scaling.attach_optimizer(optimizer(model.parameters()))
    scaling.attach_optimizer(None)  # no optimizer yet: fine


def test_interval_losses_all_reduce_only_when_data_parallel():
    w = LossWeighting(['loss_a', 'loss_b'])
    losses = dict(loss_a=torch.tensor(1.0), loss_b=torch.tensor(3.0))
    with mock.patch.object(loss_weighting, 'is_distributed',
                           return_value=True), mock.patch.object(
                               loss_weighting, '_all_reduce_sum',
                               side_effect=lambda t, g: 2 * t) as reduce:
        w(losses)
        w.set_process_group('group', data_parallel=True)
        assert w.interval_losses().tolist() == [1.0, 3.0]
        assert reduce.call_args.args[1] == 'group'
        w(losses)
        w.set_process_group(None, data_parallel=False)
        assert w.interval_losses().tolist() == [1.0, 3.0]
        assert reduce.call_count == 1


def test_end_interval_sets_the_rule_s_weights_and_the_state_round_trips():
    """The rule's after_interval sees the interval's mean losses and its
    weights are set in the same object; a checkpoint's ``loss_weights``
    keeps the names, lambda and the sums of an unfinished interval."""

    class Halves(LossWeighting):

        def after_interval(self, losses):
            return (losses / 2).tolist()

    w = Halves(['a', 'b'])
    for a, b in ((2.0, 4.0), (4.0, 8.0)):
        w(dict(a=torch.tensor(a), b=torch.tensor(b)))
    assert w.end_interval() and w.loss_weights == [1.5, 3.0]
    w(dict(a=torch.tensor(1.0), b=torch.tensor(2.0)))
    resumed = Halves(['a', 'b'])
    resumed.load_checkpoint_state(w.checkpoint_state())
    assert resumed.loss_weights == [1.5, 3.0]
    assert resumed.interval_losses().tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match='no training iteration'):
        resumed.interval_losses()
    assert not LossWeighting(['a']).after_interval([1.0])  # keeps lambda


def test_head_scaling_follows_the_weighting_from_its_names_on():
    """Patterns: the head scaling starts with the first loss dict (the
    names), before its backward, and follows lambda from there."""
    model = _TwoPart()
    x = torch.randn(8, 3, dtype=torch.float64)
    w = add_loss_weighting(model, LossWeighting(['loss_*']))
    w.scale_head_gradients(model, {'loss_a': ['head']}, min_lambda=0.5)
    assert w.head_scaling is None
    w.set_loss_weights([4.0])
    w(dict(loss_a=model.loss(x)))['loss_a'].backward()
    assert w.names == ['loss_a']
    assert w.head_scaling.scales == {'head.weight': 0.25, 'head.bias': 0.25}
    w.set_loss_weights([0.1])  # clamped to min_lambda
    w(dict(loss_a=model.loss(x)))
    assert w.head_scaling.scales == {'head.weight': 2.0, 'head.bias': 2.0}
