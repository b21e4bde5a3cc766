"""The weight controller on a reward with a known optimum (no network).

    python tools/analysis/controller_toy.py [--seeds 20] [--out FILE.md]
        [--variants NAME ...] [--settings paper small] [--noise 0.1 1.0]
        [--controller KEY=VALUE ...] [--reward KEY=VALUE ...]
    python tools/analysis/controller_toy.py --offsets [--seeds 20]

``--controller`` / ``--reward`` add a variant ``custom`` with these
WeightController / ada_segment_rewards arguments, e.g. ``--controller
sampling=log betas=0.7,0.999 --reward normalise=rank``.

Each of the m "members" is scored by a noisy function of its sampled weights
with a known best ``lam*``::

    v = -|| log lam_hat - log lam*(x) ||^2 + noise * N(0, 1)

(one random ``log lam*_0 ~ N(0, 0.5^2 I)`` per seed, n = 10 losses; a
sample with a negative entry is invalid and gets -1, as in the paper). The
rewards are Eqs. 3-5 and the controller takes one Eq. 6 step per checkpoint,
exactly as the exploration runner drives it, with the controller and reward
options of each variant. Two states:

- ``fixed``: the loss state never changes (x = 1): the best policy is a
  constant lambda = lam*_0;
- ``moving``: the losses fall at per-loss rates over the checkpoints
  (``log x_i = -rate_i * t / T``, rate ~ U(0, 1.5)) and the optimum moves
  with them (``log lam*(x) = log lam*_0 + 0.5 (log x - mean log x)``): a
  policy, not a constant, is needed.

After each checkpoint t the script measures the distance
``rms_i(log lambda_i - log lam*_i)`` of the policy's mean lambda at the
next state (what it proposes next), and prints it per checkpoint (mean and
std over seeds) for every variant and the share of invalid samples (a
negative entry), next to a reference: a plain evolution
strategy in log space (``log lam_hat = mu + 0.2 eps``, rewards centred and
standardised, ``mu += alpha mean_j(r_j eps_j)``, state-blind), with the best
step size alpha of a grid, chosen by this script per setting. The start
distance is ~0.5.

Settings: ``paper`` (m = 8, T = 12) and ``small`` (m = 4, T = 5), both with
sigma 0.2 and Adam; noise levels 0.1 and 1.0 (PQ-like: the spread of v over
the population is ~0.5-1).

Why mmada 0.2's default (linear sampling) stops at ~0.21 at noise 0.1: with
``lam_hat ~ N(lam, sigma^2)`` the spread of log lam_hat is ~sigma / lam, so
the mean that maximises the expected score is not lam* but above it (by
+0.32 in log at lam* = e^-1, +0.06 at 1, +0.01 at e): 0.13 rms over the
toy's targets (``--offsets``), on top of the noise floor of any
estimator with 96 samples. ``sampling='log'`` (``lam * exp(sigma eps)``)
has no such offset and no invalid sample; ``betas=(0.7, 0.999)`` shortens
Adam's memory from about all 12 checkpoints to ~3 (the moving state's
optimum moves). Both together are ``LOG_SAMPLING_CONTROLLER``, the
library's default since mmada 0.3 (variant ``default``).
"""
import argparse
import ast
import os.path as osp
import time
from typing import Dict, List, Sequence, Tuple

import numpy as np

from mmada.baselines.am_lfs import AMLFSStrategy
from mmada.controller import (LINEAR_SAMPLING_CONTROLLER,
                              LOG_SAMPLING_CONTROLLER, PAPER_CONTROLLER,
                              PAPER_REWARD, WeightController,
                              ada_segment_rewards)

N = 10
SIGMA = 0.2
SETTINGS = dict(paper=(8, 12), small=(4, 5))
# name -> (WeightController kwargs, ada_segment_rewards kwargs); the first
# three are earlier readings, the next isolate one change each from mmada
# 0.2's defaults (linear sampling, beta1 0.9), then the log-sampling
# variants; the last is the library's default since mmada 0.3
# (LOG_SAMPLING_CONTROLLER)
OLD = dict(LINEAR_SAMPLING_CONTROLLER, output='exp', param_scale=1.0)
V02 = dict(LINEAR_SAMPLING_CONTROLLER)
VARIANTS = {
    'paper literal (linear)': (dict(PAPER_CONTROLLER), PAPER_REWARD),
    'mmada 0.1 (exp)': (dict(OLD), PAPER_REWARD),
    'mmada 0.1, lr 5e-3 (tiny configs)': (dict(OLD, lr=5e-3), PAPER_REWARD),
    'mmada 0.2, reward not centred': (dict(V02), PAPER_REWARD),
    'mmada 0.2, exp output': (dict(V02, output='exp'), dict()),
    'mmada 0.2, param_scale 1': (dict(V02, param_scale=1.0), dict()),
    'mmada 0.2, rank reward': (dict(V02), dict(normalise='rank')),
    'mmada 0.2, lr / sqrt(k)': (dict(V02, lr_schedule='inv_sqrt'), dict()),
    'mmada 0.2, beta1 0': (dict(V02, betas=(0.0, 0.999)), dict()),
    'mmada 0.2 (linear sampling, beta1 0.9)': (dict(V02), dict()),
    'log sampling, beta1 0.9': (dict(V02, sampling='log'), dict()),
    'log sampling, beta1 0': (dict(sampling='log', betas=(0.0, 0.999)),
                              dict()),
    'log sampling, beta1 0.9, rank reward': (dict(V02, sampling='log'),
                                             dict(normalise='rank')),
    'default (log sampling, beta1 0.7)': (dict(LOG_SAMPLING_CONTROLLER),
                                          dict()),
}
ES_STEPS = (0.05, 0.1, 0.2, 0.4, 0.8)


class Toy:
    """Targets and states of one seed."""

    def __init__(self, seed: int, checkpoints: int, moving: bool) -> None:
        rng = np.random.RandomState(seed)
        self.log_target0 = 0.5 * rng.randn(N)
        self.rate = rng.uniform(0, 1.5, N) if moving else np.zeros(N)
        self.checkpoints = checkpoints
        self.noise_rng = np.random.RandomState(10_000 + seed)

    def log_x(self, t: int) -> np.ndarray:
        return -self.rate * t / self.checkpoints

    def log_target(self, t: int) -> np.ndarray:
        log_x = self.log_x(t)
        return self.log_target0 + 0.5 * (log_x - log_x.mean())

    def score(self, log_samples: np.ndarray, t: int,
              noise: float) -> np.ndarray:
        sq = ((log_samples - self.log_target(t))**2).sum(1)
        return -sq + noise * self.noise_rng.randn(len(log_samples))


def distance(log_lam: np.ndarray, log_target: np.ndarray) -> float:
    return float(np.sqrt(np.mean((log_lam - log_target)**2)))


def run_controller(toy: Toy, m: int, noise: float, seed: int,
                   ctrl_kwargs: Dict,
                   reward_kwargs: Dict) -> Tuple[List[float], float]:
    """Distances after checkpoints 0..T (0 = before any update) and the
    share of invalid samples."""
    ctrl = WeightController([f'loss{i}' for i in range(N)], sigma=SIGMA,
                            seed=seed, **ctrl_kwargs)
    l_ref = np.ones(N)

    def dist(t):
        lam = ctrl.loss_weights(np.exp(toy.log_x(t)), l_ref).numpy()
        return distance(np.log(np.clip(lam, 1e-6, None)), toy.log_target(t))

    out, v_best, invalid = [dist(1)], None, 0
    for t in range(1, toy.checkpoints + 1):
        losses = np.exp(toy.log_x(t))
        lam = ctrl.loss_weights(losses, l_ref)
        samples = ctrl.sample(lam, m, t)
        valid = ctrl.is_valid(samples).numpy()
        invalid += int((~valid).sum())
        log_s = np.log(np.clip(samples.numpy(), 1e-6, None))
        v = toy.score(log_s, t, noise)
        if v_best is None:  # the pseudo epoch's model: lambda = 1
            v_best = float(toy.score(np.zeros((1, N)), t, noise)[0])
        rewards = ada_segment_rewards(np.where(valid, v, 0.0), v_best, t,
                                      toy.checkpoints, valid, **reward_kwargs)
        ctrl.update(losses, l_ref, samples, rewards)
        if valid.any():
            v_best = float(v[valid].max())
        out.append(dist(t + 1))
    return out, invalid / (m * toy.checkpoints)


def run_es(toy: Toy, m: int, noise: float, seed: int,
           step: float) -> List[float]:
    """The reference: state-blind ES in log space, centred rewards."""
    rng = np.random.RandomState(20_000 + seed)
    mu = np.zeros(N)
    out = [distance(mu, toy.log_target(1))]
    for t in range(1, toy.checkpoints + 1):
        eps = rng.randn(m, N)
        v = toy.score(mu + SIGMA * eps, t, noise)
        r = (v - v.mean()) / max(v.std(), 1e-12)
        mu = mu + step * (r[:, None] * eps).mean(0)
        out.append(distance(mu, toy.log_target(t + 1)))
    return out


def run_am_lfs(toy: Toy, m: int, noise: float, seed: int) -> List[float]:
    """AM-LFS (mmada/baselines/am_lfs.py) as the exploration runs it: a
    state-blind Gaussian over log lambda, normalised rewards, Adam on the
    mean (its defaults)."""
    am_lfs = AMLFSStrategy([f'loss{i}' for i in range(N)], m, SIGMA, seed)
    out = [distance(am_lfs.mean.detach().numpy(), toy.log_target(1))]
    for t in range(1, toy.checkpoints + 1):
        _, samples = am_lfs.propose(t, {})
        v = toy.score(np.log(samples.numpy()), t, noise)
        am_lfs.learn(t, {}, samples, v, np.ones(m, dtype=bool))
        out.append(distance(am_lfs.mean.detach().numpy(),
                            toy.log_target(t + 1)))
    return out


def summarise(curves: np.ndarray) -> str:
    mean, std = curves.mean(0), curves.std(0)
    return ' '.join(f'{a:.2f}' for a in mean) + \
        f' | final {mean[-1]:.2f} ± {std[-1]:.2f}'


def sampling_offset(log_target: float,
                    sigma: float = SIGMA,
                    num: int = 100_000) -> float:
    """log mu* - log lam*: where the mean mu* of Eq. 2's linear sampling
    ``N(mu, sigma^2)`` maximises the toy's expected score ``-E(log lam_hat -
    log lam*)^2`` (valid samples; a fixed set of ``num`` normal draws,
    ternary search over log mu)."""
    eps = np.random.RandomState(0).randn(num)

    def loss(log_mu):
        s = np.exp(log_mu) + sigma * eps
        s = s[s > 0]
        return np.mean((np.log(s) - log_target)**2)

    lo, hi = log_target - 1.0, log_target + 2.0
    for _ in range(60):
        a, b = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        lo, hi = (lo, b) if loss(a) < loss(b) else (a, hi)
    return (lo + hi) / 2 - log_target


def print_offsets(seeds: int) -> None:
    """The offsets of linear sampling at a few lam* and their rms over the
    toy's targets (fixed state) of ``seeds`` seeds."""
    for log_target in (-1.0, -0.5, 0.0, 0.5, 1.0):
        print(f'log lam* {log_target:+.1f}: offset '
              f'{sampling_offset(log_target):+.3f}')
    offsets = [
        sampling_offset(a) for s in range(seeds)
        for a in Toy(s, 1, False).log_target0
    ]
    print(f'rms offset over the targets of {seeds} seeds: '
          f'{np.sqrt(np.mean(np.square(offsets))):.3f}')


def parse_kwargs(items: Sequence[str]) -> Dict:
    """``['sampling=log', 'betas=0.7,0.999']`` -> ``dict(sampling='log',
    betas=(0.7, 0.999))`` (values read as Python literals, else str)."""
    out = {}
    for item in items:
        key, _, value = item.partition('=')
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, default=20)
    parser.add_argument('--first-seed', type=int, default=0,
                        help='seeds first-seed .. first-seed + seeds - 1 '
                        '(e.g. to check a choice on other seeds)')
    parser.add_argument('--settings', nargs='+', default=list(SETTINGS),
                        choices=list(SETTINGS))
    parser.add_argument('--noise', nargs='+', type=float, default=[0.1, 1.0])
    parser.add_argument('--states', nargs='+', default=['fixed', 'moving'],
                        choices=['fixed', 'moving'])
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS),
                        choices=list(VARIANTS))
    parser.add_argument('--m', type=int, default=None, help='override m')
    parser.add_argument('--checkpoints', type=int, default=None,
                        help='override T')
    parser.add_argument('--lr', type=float, default=None,
                        help='override the Adam lr of every variant')
    parser.add_argument('--controller', nargs='+', default=None,
                        metavar='KEY=VALUE',
                        help='add a variant "custom" with these '
                        'WeightController arguments')
    parser.add_argument('--reward', nargs='+', default=None,
                        metavar='KEY=VALUE',
                        help='ada_segment_rewards arguments of "custom"')
    parser.add_argument('--out', default=None,
                        help='also write the final-distance table (markdown)')
    parser.add_argument('--offsets', action='store_true',
                        help='only print where linear sampling puts the '
                        'best mean (its offset from lam*)')
    args = parser.parse_args()
    if args.offsets:
        print_offsets(args.seeds)
        return
    if args.controller is not None or args.reward is not None:
        VARIANTS['custom'] = (parse_kwargs(args.controller or []),
                              parse_kwargs(args.reward or []))
        args.variants = list(args.variants) + ['custom']
        print(f'custom: WeightController(**{VARIANTS["custom"][0]}), '
              f'ada_segment_rewards(**{VARIANTS["custom"][1]})')
    start = time.time()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    rows = []
    for setting in args.settings:
        m, checkpoints = SETTINGS[setting]
        m, checkpoints = args.m or m, args.checkpoints or checkpoints
        for state in args.states:
            for noise in args.noise:
                key = f'{setting} (m={m}, T={checkpoints}), {state} state, ' \
                      f'noise {noise}'
                print(f'\n## {key}: distance after checkpoints 0..T '
                      f'(mean of {args.seeds} seeds)')
                finals, invalid = {}, {}
                for name in args.variants:
                    ctrl_kwargs, reward_kwargs = VARIANTS[name]
                    if args.lr is not None:
                        ctrl_kwargs = dict(ctrl_kwargs, lr=args.lr)
                    runs = [
                        run_controller(Toy(s, checkpoints, state == 'moving'),
                                       m, noise, s, ctrl_kwargs,
                                       reward_kwargs)
                        for s in seeds
                    ]
                    curves = np.array([curve for curve, _ in runs])
                    finals[name] = curves[:, -1]
                    invalid[name] = float(np.mean([r for _, r in runs]))
                    print(f'{name:>36}: {summarise(curves)} | invalid '
                          f'{100 * invalid[name]:.1f}%')
                best = None
                for step in ES_STEPS:
                    curves = np.array([
                        run_es(Toy(s, checkpoints, state == 'moving'), m,
                               noise, s, step) for s in seeds
                    ])
                    if best is None or curves[:, -1].mean() < best[1].mean():
                        best = (step, curves[:, -1], curves)
                print(f'{"ES reference (alpha " + str(best[0]) + ")":>36}: '
                      f'{summarise(best[2])}')
                curves = np.array([
                    run_am_lfs(Toy(s, checkpoints, state == 'moving'), m,
                               noise, s) for s in seeds
                ])
                finals['AM-LFS'], invalid['AM-LFS'] = curves[:, -1], 0.0
                print(f'{"AM-LFS (Adam lr 0.05)":>36}: {summarise(curves)}')
                rows.append((key, finals, best, invalid))
    columns = list(args.variants) + ['AM-LFS']
    lines = [
        '| setting | ' + ' | '.join(columns) +
        ' | ES reference (best alpha) |',
        '|---|' + '---|' * (len(columns) + 1)
    ]
    for key, finals, (step, es, _), _ in rows:
        cells = [
            f'{finals[n].mean():.2f} ± {finals[n].std():.2f} '
            f'({finals[n].mean() / es.mean():.1f}x)' for n in columns
        ]
        lines.append(f'| {key} | ' + ' | '.join(cells) +
                     f' | {es.mean():.2f} ± {es.std():.2f} (alpha {step}) |')
    lines += [
        '', 'Invalid samples (a negative entry; reward -1, not trained), % '
        'of all m x T samples:', '',
        '| setting | ' + ' | '.join(columns) + ' |',
        '|---|' + '---|' * len(columns)
    ]
    for key, _, _, invalid in rows:
        lines.append(f'| {key} | ' + ' | '.join(
            f'{100 * invalid[n]:.1f}' for n in columns) + ' |')
    table = '\n'.join(lines)
    print('\nFinal distance rms(log lambda - log lam*), mean ± std over '
          f'{args.seeds} seeds (ratio to the ES reference); start ~0.5:\n')
    print(table)
    print(f'\n{time.time() - start:.0f} s')
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')
        print(f'written to {osp.abspath(args.out)}')


if __name__ == '__main__':
    main()
