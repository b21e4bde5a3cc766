"""Speed of the small config, and what Ada-Segment's loss weighting costs.

    python tools/analysis/benchmark_speed.py [CONFIG] [--iters 40] [--rounds 3]

Measured in one process on the same batches (loaded once, so data loading is
left out and the comparison is of the training step itself):

- ``plain``: mmdet's ``model.train_step`` (the config as it is);
- ``weighted``: the same model with mmada's loss weighting in
  ``parse_losses`` (weights != 1, so every weighted loss is multiplied), the
  1/lambda head gradient hooks, the per-iteration loss collection and
  LossWeightHook's per-iteration check.

The two run in alternation (``--rounds`` times ``--iters`` iterations each)
and start from the same weights; the overhead is the ratio of their median
iteration times. Because a ratio of two ~0.3 s steps cannot resolve a few
milliseconds on a busy machine, the added work is also timed directly: the
weighting, the hooks' gradient scaling and the loss collection, per
iteration.
"""
import argparse
import copy
import statistics
import time
from types import SimpleNamespace

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper

DEFAULT = ('configs/cascade_panoptic_fpn/'
           'cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', default=DEFAULT)
    parser.add_argument('--iters', type=int, default=40)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=5)
    return parser.parse_args()


def build(config, loader=None):
    """The model of ``config`` (a path or a Config; seed 0, initialised)
    and a training loader (``loader``: a dataloader config, default the
    config's own)."""
    import mmada  # noqa: F401
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    from mmengine.runner import Runner
    register_all_modules()
    cfg = config if isinstance(config, Config) else Config.fromfile(config)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    loader = Runner.build_dataloader(loader or cfg.train_dataloader, seed=0)
    return cfg, model, loader


def first_batches(loader, n):
    batches = []
    for batch in loader:
        batches.append(batch)
        if len(batches) == n:
            break
    return batches


def optim(cfg, model):
    opt = cfg.optim_wrapper.optimizer
    return OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=opt.lr,
                        momentum=opt.momentum, weight_decay=opt.weight_decay))


def _runner_at(i):
    """What LossWeightHook.after_train_iter reads of a runner: the
    iteration and a visualizer (its scalars are dropped here)."""
    return SimpleNamespace(
        iter=i, visualizer=SimpleNamespace(add_scalars=lambda *a, **k: None))


def _sync(model):
    """Wait for the GPU (a no-op on the CPU), so the clock sees the step."""
    if next(model.parameters()).is_cuda:
        torch.cuda.synchronize()


def time_steps(model, wrapper, batches, hook=None):
    times = []
    for i, batch in enumerate(batches):
        torch.manual_seed(i)
        _sync(model)
        start = time.perf_counter()
        model.train_step(batch, wrapper)
        if hook is not None:
            hook.after_train_iter(_runner_at(i), i)
        _sync(model)
        times.append(time.perf_counter() - start)
    return times


def step_times(cfg, plain, batches, rounds, warmup):
    """Median s/iter of ``plain`` and of a copy with mmada's loss weighting
    (on ``plain``'s device), alternated ``rounds`` times over ``batches``
    after ``warmup`` untimed steps each: (medians, weighted copy, hook)."""
    from mmada.engine.hooks import LossWeightHook
    weighted = copy.deepcopy(plain)
    names = cfg.loss_weighting.losses
    lam = [0.5 + 0.1 * i for i in range(len(names))]  # all != 1
    hook = LossWeightHook()  # losses and heads: the config's loss_weighting
    hook.before_run(SimpleNamespace(cfg=cfg, model=weighted))
    hook.weighting.set_loss_weights(lam)
    plain.train()
    weighted.train()
    runs = dict(
        plain=(plain, optim(cfg, plain), None),
        weighted=(weighted, optim(cfg, weighted), hook))
    for model, wrapper, h in runs.values():  # warm-up, not timed
        time_steps(model, wrapper, batches[:warmup], h)
    per_iter = {k: [] for k in runs}
    for _ in range(rounds):
        for name, (model, wrapper, h) in runs.items():
            per_iter[name] += time_steps(model, wrapper, batches, h)
    med = {k: statistics.median(v) for k, v in per_iter.items()}
    return med, weighted, hook


def main():
    args = parse_args()
    torch.set_num_threads(torch.get_num_threads())
    cfg, plain, loader = build(args.config)
    batches = first_batches(loader, args.iters)
    med, model, hook = step_times(cfg, plain, batches, args.rounds,
                                  args.warmup)

    # the added work, timed directly
    losses_time, grads_time = [], []
    data = model.data_preprocessor(batches[0], True)
    for i in range(args.iters):
        torch.manual_seed(i)
        losses = model(**data, mode='loss')
        start = time.perf_counter()
        weighted_losses = hook.weighting(losses)
        hook.after_train_iter(_runner_at(i), i)
        losses_time.append(time.perf_counter() - start)
        scales = hook.weighting.head_scaling.scales
        grads = [(n, p) for n, p in model.named_parameters()
                 if n in scales]
        start = time.perf_counter()
        for n, p in grads:  # what the gradient hooks do (no optimizer)
            torch.ones_like(p) * scales[n]
        grads_time.append(time.perf_counter() - start)
        del weighted_losses
    added = statistics.median(losses_time) + statistics.median(grads_time)

    print(f'config: {args.config}')
    print(f'threads: {torch.get_num_threads()}, batch size: '
          f'{cfg.train_dataloader.batch_size}, iterations timed: '
          f'{args.rounds} x {args.iters} per variant')
    print(f'plain mmdet train_step:    {med["plain"]:.4f} s/iter '
          f'({1 / med["plain"]:.2f} iter/s)')
    print(f'with mmada loss weighting: {med["weighted"]:.4f} s/iter '
          f'({1 / med["weighted"]:.2f} iter/s)')
    print(f'ratio weighted / plain:    {med["weighted"] / med["plain"]:.4f}')
    print(f'added work timed directly: {1e3 * added:.3f} ms/iter = '
          f'{100 * added / med["plain"]:.3f}% of a plain iteration')


if __name__ == '__main__':
    main()
