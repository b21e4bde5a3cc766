"""ScalarizerWeighting (torchjd's FAMO, DWA, RLW, IMTL-L, UW): the weights
against hand-computed numbers, UncertaintyWeighting as UW through it,
resume, the tiny model in process, and each config trained by tools/train.py.
"""
import io
import math
import sys
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper

import mmada  # noqa: F401
from mmada.baselines import ScalarizerWeighting, UncertaintyWeighting
from mmada.engine.hooks import LossWeightHook
from mmada.models import add_loss_weighting
from tiny import LossParameters

F64 = torch.float64
NAMES = ['loss_a', 'loss_b']


def rule(kind, **kwargs):
    scalarizer = dict(type=kind, **kwargs.pop('scalarizer', {}))
    return ScalarizerWeighting(NAMES, scalarizer=scalarizer, **kwargs)


def vec(*values):
    return torch.tensor(values, dtype=F64)


def backward(model):
    model.zero_grad()
    total, log_vars = model.parse_losses(model())
    total.backward()
    return total, model.p.grad.tolist()


# -- configuration ------------------------------------------------------------
def test_config_errors_name_the_key():
    with pytest.raises(KeyError, match=r"scalarizer.type: 'Famo' is not a "
                       r'scalarizer of torchjd .*; choose one of .*FAMO'):
        rule('Famo')
    with pytest.raises(TypeError, match="scalarizer: FAMO: got an unexpected "
                       "keyword argument 'learning_rate'"):
        rule('FAMO', scalarizer=dict(learning_rate=0.1))
    with pytest.raises(TypeError, match='scalarizer: STCH: missing a '
                       "required argument: 'mu'"):
        rule('STCH')
    with pytest.raises(KeyError, match="expected a dict with a 'type'"):
        ScalarizerWeighting(NAMES, scalarizer=None)
    with pytest.raises(ValueError, match="scale must be > 0 or 'num_losses'"):
        rule('Mean', scale=0)
    with pytest.raises(KeyError, match='no `params`'):
        rule('UW', optimizer=dict(type='SGD', lr=0.1, params=[]))
    with pytest.raises(ValueError, match='interval must be a positive int'):
        rule('DWA', interval=0)


def test_built_for_the_named_losses():
    w = rule('FAMO', scalarizer=dict(min_losses=[0.1, 0.0]))
    assert w.scalarizer.min_losses.tolist() == [0.1, 0.0]  # list -> tensor
    assert w.scalarizer.min_losses.dtype == F64
    w = ScalarizerWeighting(['s*.loss_cls', 'loss_seg'],
                            scalarizer=dict(type='IMTLL'))
    assert w.scalarizer is None  # patterns: built when resolved
    w.resolve(['s0.loss_cls', 's1.loss_cls', 'loss_seg', 'acc'])
    assert [p.shape for p in w.scalarizer.parameters()] == [(3, )]


# -- the weights each scalarizer applies, by hand -----------------------------
def test_famo_weights_by_hand():
    w = rule('FAMO')  # lr 0.025, weight decay 1e-3, logits w = 0
    # z = softmax(0) = (1/2, 1/2); lambda_i = z_i / L_i / sum_j z_j / L_j
    # (df/dL of (1/c) sum_i z_i log L_i, c = sum_j z_j / L_j):
    # (1/4, 1) / (5/4) = (0.2, 0.8)
    assert w.scalarize(vec(2.0, 0.5)).tolist() == pytest.approx(
        [0.2, 0.8], abs=1e-8)
    # next call: update with the next losses (1, 0.5) first:
    # delta = log L_before - log L_after = (log 2, 0);
    # grad_w = J_softmax delta = z_i (delta_i - z.delta) = (+, -) log(2) / 4
    # Adam's first step: w = -0.025 sign(grad) = (-0.025, 0.025)
    lam = w.scalarize(vec(1.0, 0.5))
    z = torch.softmax(vec(-0.025, 0.025), 0)
    expected = (z / vec(1.0, 0.5)) / (z / vec(1.0, 0.5)).sum()
    assert lam.tolist() == pytest.approx(expected.tolist(), abs=1e-8)
    assert lam.tolist() == pytest.approx([0.322316, 0.677684], abs=1e-6)
    # scale='num_losses': the weights sum to 2 like the Baseline's (1, 1)
    w = rule('FAMO', scale='num_losses')
    assert w.scalarize(vec(2.0, 0.5)).tolist() == pytest.approx(
        [0.4, 1.6], abs=1e-8)


def test_famo_gives_the_network_the_gradient_of_its_objective():
    """The weighted loss dict gives the network d FAMO(L) / d theta."""
    from torchjd.scalarization import FAMO
    model = LossParameters((2.0, 0.5))
    add_loss_weighting(model, rule('FAMO'))
    _, grad = backward(model)
    p = torch.tensor([2.0, 0.5], requires_grad=True)
    FAMO(2)(p).backward()
    assert grad == pytest.approx(p.grad.tolist(), abs=1e-7)
    assert grad == pytest.approx([0.2, 0.8], abs=1e-7)


def test_dwa_weights_by_hand():
    w = rule('DWA')  # temperature 2
    w.before_train(max_iters=10, iters_per_epoch=2)
    assert w.interval == 2
    # epochs 1 and 2: uniform (no two epoch means yet)
    for values in [(3.0, 1.0), (1.0, 1.0)]:  # epoch 1: mean (2, 1)
        assert w.scalarize(vec(*values)).tolist() == [1.0, 1.0]
    w.after_interval(None)
    for values in [(1.5, 0.5), (0.5, 1.5)]:  # epoch 2: mean (1, 1)
        assert w.scalarize(vec(*values)).tolist() == [1.0, 1.0]
    w.after_interval(None)
    # epoch 3: r = (1/2, 1/1); lambda = 2 softmax(r / 2)
    lam = w.scalarize(vec(1.0, 1.0)).tolist()
    e = math.exp(0.25)
    assert lam == pytest.approx([2 / (1 + e), 2 * e / (1 + e)], abs=1e-12)
    assert lam == pytest.approx([0.875647, 1.124353], abs=1e-6)
    assert w.steps == [2, 4]


def test_rlw_weights_by_hand():
    w = rule('Random')
    torch.manual_seed(3)
    lam = w.scalarize(vec(2.0, 0.5))
    torch.manual_seed(3)  # softmax of a standard normal draw: sum 1
    assert lam.tolist() == pytest.approx(
        torch.softmax(torch.randn(2, dtype=F64), 0).tolist(), abs=1e-12)
    assert lam.sum().item() == pytest.approx(1.0, abs=1e-12)
    assert not w.stateful and w.history == []  # nothing to replay
    w = rule('Random', scale='num_losses')
    assert w.scalarize(vec(2.0, 0.5)).sum().item() == pytest.approx(2.0)


def test_imtll_weights_by_hand():
    w = rule('IMTLL', optimizer=dict(type='SGD', lr=0.1))
    # f = sum_i exp(s_i) L_i - s_i; s = 0: lambda = exp(s) = (1, 1)
    assert w.scalarize(vec(2.0, 0.5)).tolist() == [1.0, 1.0]
    # df/ds = exp(s) L - 1 = (1, -0.5); SGD: s = (-0.1, 0.05)
    assert next(w.scalarizer.parameters()).tolist() == pytest.approx(
        [-0.1, 0.05], abs=1e-15)
    assert w.scalarize(vec(2.0, 0.5)).tolist() == pytest.approx(
        [math.exp(-0.1), math.exp(0.05)], abs=1e-15)


def test_num_losses_rescales_to_the_baselines_sum_by_hand():
    """scale='num_losses': lambda * n / sum(lambda) at every iteration, so
    IMTL-L keeps its balance without its larger step."""
    w = rule('IMTLL', optimizer=dict(type='SGD', lr=0.1),
             scale='num_losses')
    # s = 0: df/dL = (1, 1), sum 2 = n: unchanged
    assert w.scalarize(vec(2.0, 0.5)).tolist() == [1.0, 1.0]
    # s = (-0.1, 0.05) (test above): (e^-0.1, e^0.05) * 2 / (e^-0.1 +
    # e^0.05) = (0.925140, 1.074860)
    lam = w.scalarize(vec(2.0, 0.5)).tolist()
    a, b = math.exp(-0.1), math.exp(0.05)
    assert lam == pytest.approx([2 * a / (a + b), 2 * b / (a + b)],
                                abs=1e-15)
    assert lam == pytest.approx([0.925140, 1.074860], abs=1e-6)
    assert sum(lam) == pytest.approx(2.0, abs=1e-15)
    # UW at s = 0: df/dL = (1/2, 1/2), sum 1 -> (1, 1)
    w = rule('UW', scale='num_losses')
    assert w.scalarize(vec(2.0, 0.5)).tolist() == [1.0, 1.0]
    # GeometricMean: f = sqrt(L_a L_b), df/dL_i = f / (2 L_i) ~ 1 / L_i:
    # (1/2, 2) * 2 / (5/2) = (0.4, 1.6), the balance of sum_i log L_i
    w = rule('GeometricMean', scale='num_losses')
    assert w.scalarize(vec(2.0, 0.5)).tolist() == pytest.approx(
        [0.4, 1.6], abs=1e-12)
    # without it: sqrt(1) / (2 * (2, 0.5)) = (0.25, 1)
    w = rule('GeometricMean')
    assert w.scalarize(vec(2.0, 0.5)).tolist() == pytest.approx(
        [0.25, 1.0], abs=1e-12)


@pytest.mark.parametrize('optimizer', [None, dict(type='SGD', lr=0.1)])
def test_uncertainty_weighting_is_uw_through_the_scalarizer(optimizer):
    """UncertaintyWeighting(losses) is ScalarizerWeighting with torchjd's
    UW: the same lambda and the same s at every iteration, exactly."""
    ours = UncertaintyWeighting(NAMES, optimizer=optimizer)
    theirs = rule('UW', optimizer=optimizer)  # default: Adam, lr 0.025
    gen = torch.Generator().manual_seed(0)
    for _ in range(50):
        losses = torch.rand(2, generator=gen, dtype=F64) * 3 + 0.1
        out = []
        for w in (ours, theirs):  # a loss dict with a gradient: a step
            leaf = losses.clone().requires_grad_(True)
            weighted = w(dict(loss_a=leaf[0], loss_b=leaf[1]))
            out.append([weighted['loss_a'].item(), weighted['loss_b'].item()])
        assert out[0] == out[1]
        assert ours.loss_weights == theirs.loss_weights
        assert torch.equal(ours.scalarizer.log_var, theirs.scalarizer.log_var)
    assert ours.loss_weights != pytest.approx([0.5, 0.5], abs=1e-3)


def test_uw_objective_equals_the_logged_total_and_regulariser():
    """The logged total sum_i lambda_i L_i plus 1/2 sum_i s_i is UW's
    objective f(L, s) (lambda_i = df/dL_i = 1/2 exp(-s_i))."""
    from torchjd.scalarization import UW
    ours = UncertaintyWeighting(NAMES)
    with torch.no_grad():
        ours.scalarizer.log_var.fill_(0.3)
    losses = vec(2.0, 0.5)
    leaf = losses.clone().requires_grad_(True)
    out = ours(dict(loss_a=leaf[0], loss_b=leaf[1]))
    total = out['loss_a'] + out['loss_b'] + 0.5 * 2 * 0.3
    uw = UW(2).double()
    with torch.no_grad():
        uw.log_var.fill_(0.3)
        assert uw(losses).item() == pytest.approx(total.item(), abs=1e-12)


# -- in a model, DDP-style reduction, resume ----------------------------------
def test_weights_applied_in_parse_losses_and_not_in_eval():
    model = LossParameters((2.0, 0.5))
    w = add_loss_weighting(model, rule('FAMO', scale='num_losses'))
    total, grad = backward(model)
    assert w.loss_weights == pytest.approx([0.4, 1.6], abs=1e-8)
    assert grad == pytest.approx([0.4, 1.6], abs=1e-6)
    assert total.item() == pytest.approx(0.4 * 2 + 1.6 * 0.5, abs=1e-6)
    assert w.values.tolist() == [2.0, 0.5]  # unweighted, for the hook
    with torch.no_grad():  # validation: no update, the last weights
        model.parse_losses(model())
    assert w.num_calls == 1 and len(w.history) == 1


def make_hook(kind, **kwargs):
    hook = LossWeightHook(losses=NAMES, head_lr_scaling=False,
                          weighting=dict(type='ScalarizerWeighting',
                                         scalarizer=dict(type=kind),
                                         **kwargs))
    model = LossParameters()
    hook.before_run(SimpleNamespace(cfg=Config(), model=model))
    return hook, model


def train(hook, model, iters, start=0):
    """Toy iterations whose losses move: p = (2, 0.5) + sin(step)."""
    runner = SimpleNamespace(iter=start, max_iters=100, cfg=Config(),
                             train_dataloader=[None] * 3,
                             visualizer=SimpleNamespace(
                                 add_scalars=lambda *a, **k: None))
    hook.before_train(runner)  # as mmengine: after a resume's loading
    out = []
    for it in range(start, start + iters):
        with torch.no_grad():
            model.p.copy_(torch.tensor([2.0, 0.5]) + math.sin(it) * 0.3)
        backward(model)
        runner.iter = it
        hook.after_train_iter(runner, it)
        out.append(list(hook.weighting.loss_weights))
    return out


def save_load(hook):
    checkpoint = {}
    hook.before_save_checkpoint(None, checkpoint)
    buffer = io.BytesIO()  # what mmada's weights-only loading accepts
    torch.save(checkpoint, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


@pytest.mark.parametrize('kind', ['FAMO', 'DWA', 'IMTLL', 'UW', 'Random'])
def test_resume_through_the_hook_is_identical(kind):
    """Resumed after 7 iterations (DWA: 2 epochs of 3 and one iteration of
    the third): the next 8 iterations give the same weights and the same
    scalarizer state as the uninterrupted run."""
    torch.manual_seed(0)
    hook, model = make_hook(kind)
    straight = train(hook, model, 15)
    final = {k: v.clone() for k, v in
             hook.weighting.scalarizer.state_dict().items()}

    torch.manual_seed(0)
    first, model1 = make_hook(kind)
    before = train(first, model1, 7)
    checkpoint = save_load(first)
    rng = torch.get_rng_state()
    resumed, model2 = make_hook(kind)
    resumed.after_load_checkpoint(None, checkpoint)
    assert torch.equal(torch.get_rng_state(), rng)  # the replay drew none
    assert resumed.weighting.loss_weights == first.weighting.loss_weights
    after = train(resumed, model2, 8, start=7)
    assert before + after == straight  # exactly
    for key, value in resumed.weighting.scalarizer.state_dict().items():
        assert torch.equal(value, final[key]), key
    if kind != 'Random':  # the weights moved: the test can fail
        assert len({tuple(w) for w in straight}) > 2


def test_replay_that_does_not_restore_the_state_is_refused():
    hook, model = make_hook('FAMO')
    train(hook, model, 4)
    checkpoint = save_load(hook)
    checkpoint['loss_weights']['weighting']['scalarizer']['_w'] += 1
    resumed, _ = make_hook('FAMO')
    with pytest.raises(RuntimeError, match=r'did not restore FAMO\._w'):
        resumed.after_load_checkpoint(None, checkpoint)
    checkpoint = save_load(hook)
    other, _ = make_hook('DWA')
    with pytest.raises(ValueError, match='checkpoint is of FAMO, the config'
                       ' of DWA'):
        other.after_load_checkpoint(None, checkpoint)


def test_same_weights_on_every_process(monkeypatch):
    """The rule reduces the losses (mean over processes) before the
    scalarizer sees them, and takes rank 0's lambda."""
    import mmada.baselines.scalarizer as module
    calls = []

    def fake_all_reduce(tensor, op):
        calls.append(op)
        tensor.mul_(2)  # as if the other rank had 3x the losses

    def fake_broadcast(tensor, src):
        calls.append(src)

    monkeypatch.setattr(module, 'all_reduce', fake_all_reduce)
    monkeypatch.setattr(module, 'broadcast', fake_broadcast)
    model = LossParameters((1.0, 0.25))
    w = add_loss_weighting(model, rule('FAMO'))
    backward(model)
    assert calls == ['mean', 0]
    assert w.history[0].tolist() == [2.0, 0.5]  # the reduced losses
    assert w.values.tolist() == [1.0, 0.25]  # the local ones


def test_smoke_tiny_cascade_panoptic():
    from tiny import tiny_batch, tiny_model
    model, cfg = tiny_model()
    w = add_loss_weighting(
        model, ScalarizerWeighting(cfg.loss_weighting.losses,
                                   scalarizer=dict(type='FAMO'),
                                   scale='num_losses'))
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01,
                                         momentum=0.9))
    model.train()
    for step in range(2):
        torch.manual_seed(100 + step)
        log_vars = model.train_step(tiny_batch(step), optim)
        assert math.isfinite(log_vars['loss'].item())
        assert len(w.loss_weights) == 10
        assert sum(w.loss_weights) == pytest.approx(10.0, rel=1e-6)
    assert w.num_calls == 2  # the 2nd call updated FAMO's logits
    assert (next(w.scalarizer.parameters()) != 0).all()


# -- the configs, trained by tools/train.py -----------------------------------
CONFIG = 'configs/baselines/{}_tiny_1xb4-cos-6e_synthetic-panoptic.py'
# 16 training images: 4 iterations per epoch, 3 epochs (DWA's weights move
# from the 3rd epoch on), no validation
SHORT = ['train_dataloader.dataset.indices=16', 'train_cfg.max_epochs=3',
         'param_scheduler.0.end=4', 'default_hooks.logger.interval=1',
         'train_cfg.val_interval=100', 'val_dataloader.dataset.indices=8',
         'test_dataloader.dataset.indices=8']


@pytest.mark.e2e
@pytest.mark.parametrize('name', ['famo', 'dwa', 'rlw', 'imtl-l'])
def test_config_trains(name, tmp_path):
    from e2e import tool

    from mmada.utils import load_checkpoint_file
    tool('train.py', CONFIG.format(name), '--work-dir', str(tmp_path),
         '--cfg-options', *SHORT)
    state = load_checkpoint_file(str(tmp_path / 'epoch_3.pth'))
    lam = state['loss_weights']['loss_weights']
    assert len(lam) == 10 and all(x > 0 for x in lam)
    assert lam != pytest.approx([1.0] * 10)  # moved from the Baseline's
    if name in ('famo', 'rlw'):  # scale='num_losses'
        assert sum(lam) == pytest.approx(10.0, rel=1e-6)
    weighting = state['loss_weights']['weighting']
    if name == 'dwa':
        assert weighting['steps'] == [4, 8, 12]  # once per epoch
    if name != 'rlw':
        assert weighting['history'].shape == (12, 10)


@pytest.mark.e2e
def test_famo_config_resumes_identically(tmp_path):
    """2 epochs straight, and 1 epoch then --resume: the same network, the
    same FAMO state."""
    from e2e import tool

    from mmada.utils import load_checkpoint_file
    short = [o for o in SHORT if 'max_epochs' not in o]
    config = CONFIG.format('famo')
    straight, split = str(tmp_path / 'straight'), str(tmp_path / 'split')
    tool('train.py', config, '--work-dir', straight, '--cfg-options',
         'train_cfg.max_epochs=2', *short)
    tool('train.py', config, '--work-dir', split, '--cfg-options',
         'train_cfg.max_epochs=1', 'param_scheduler.1.end=2', *short)
    out = tool('train.py', config, '--work-dir', split, '--resume',
               '--cfg-options', 'train_cfg.max_epochs=2', *short).stdout
    assert 'resumed epoch: 1' in out
    a = load_checkpoint_file(straight + '/epoch_2.pth')
    b = load_checkpoint_file(split + '/epoch_2.pth')
    assert a['loss_weights']['loss_weights'] == b['loss_weights'][
        'loss_weights']
    for key, value in a['loss_weights']['weighting']['scalarizer'].items():
        assert torch.equal(value, b['loss_weights']['weighting'][
            'scalarizer'][key]), key
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key


def test_benchmark_runs_the_four_methods(monkeypatch):
    """benchmark_methods.py knows the four methods and trains each from its
    config, then tests it, like GradNorm."""
    sys.path.insert(0, 'tools/analysis')
    import benchmark_methods as bm
    monkeypatch.setattr(sys, 'argv', [
        'benchmark_methods.py', '--methods', 'famo', 'dwa', 'rlw', 'imtl-l'])
    args = bm.parse_args()
    calls = []

    class FakeBench:
        def __init__(self, args):
            self.args = args

        def train(self, name, seed, config, options=()):
            calls.append(('train', name, config))
            return dict(checkpoint=f'{name}.pth', seconds=1.0)

        def test(self, name, seed, checkpoint, config=None):
            calls.append(('test', name, checkpoint))
            return dict(PQ=1.0)

    bench = FakeBench(args)
    for method in args.methods:
        assert bm.run_method(bench, method, 0) == (dict(PQ=1.0), 1.0)
    import os
    for method in ('famo', 'dwa', 'rlw', 'imtl-l'):
        config = CONFIG.format(method)
        assert ('train', method, config) in calls
        assert ('test', method, f'{method}.pth') in calls
        assert os.path.isfile(config)
