"""The weight controller on a reward with a known optimum (no network).

    python tools/analysis/controller_toy.py [--seeds 20] [--out FILE.md]
        [--variants NAME ...] [--settings paper small] [--noise 0.1 1.0]

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
std over seeds) for every variant, next to a reference: a plain evolution
strategy in log space (``log lam_hat = mu + 0.2 eps``, rewards centred and
standardised, ``mu += alpha mean_j(r_j eps_j)``, state-blind), with the best
step size alpha of a grid, chosen by this script per setting. The start
distance is ~0.5.

Settings: ``paper`` (m = 8, T = 12) and ``small`` (m = 4, T = 5), both with
sigma 0.2 and Adam; noise levels 0.1 and 1.0 (PQ-like: the spread of v over
the population is ~0.5-1).
"""
import argparse
import os.path as osp
import time
from typing import Dict, List

import numpy as np

from mmada.controller import WeightController, ada_segment_rewards
from mmada.controller.controller import PAPER_CONTROLLER
from mmada.controller.rewards import PAPER_REWARD

N = 10
SIGMA = 0.2
SETTINGS = dict(paper=(8, 12), small=(4, 5))
# name -> (WeightController kwargs, ada_segment_rewards kwargs); the first
# three are earlier readings, the next isolate one change each from the new
# default (the last, the library's defaults)
OLD = dict(output='exp', param_scale=1.0)
VARIANTS = {
    'paper literal (linear)': (dict(PAPER_CONTROLLER), PAPER_REWARD),
    'mmada 0.1 (exp)': (dict(OLD), PAPER_REWARD),
    'mmada 0.1, lr 5e-3 (tiny configs)': (dict(OLD, lr=5e-3), PAPER_REWARD),
    'default, reward not centred': (dict(), PAPER_REWARD),
    'default, exp output': (dict(output='exp'), dict()),
    'default, param_scale 1': (dict(param_scale=1.0), dict()),
    'new default': (dict(), dict()),
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
                   ctrl_kwargs: Dict, reward_kwargs: Dict) -> List[float]:
    """Distances after checkpoints 0..T (0 = before any update)."""
    ctrl = WeightController([f'loss{i}' for i in range(N)], sigma=SIGMA,
                            seed=seed, **ctrl_kwargs)
    l_ref = np.ones(N)

    def dist(t):
        lam = ctrl.weights(np.exp(toy.log_x(t)), l_ref).numpy()
        return distance(np.log(np.clip(lam, 1e-6, None)), toy.log_target(t))

    out, v_best = [dist(1)], None
    for t in range(1, toy.checkpoints + 1):
        losses = np.exp(toy.log_x(t))
        lam = ctrl.weights(losses, l_ref)
        samples = ctrl.sample(lam, m, t)
        valid = ctrl.is_valid(samples).numpy()
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
    return out


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


def summarise(curves: np.ndarray) -> str:
    mean, std = curves.mean(0), curves.std(0)
    return ' '.join(f'{a:.2f}' for a in mean) + \
        f' | final {mean[-1]:.2f} ± {std[-1]:.2f}'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, default=20)
    parser.add_argument('--settings', nargs='+', default=list(SETTINGS),
                        choices=list(SETTINGS))
    parser.add_argument('--noise', nargs='+', type=float, default=[0.1, 1.0])
    parser.add_argument('--states', nargs='+', default=['fixed', 'moving'],
                        choices=['fixed', 'moving'])
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS),
                        choices=list(VARIANTS))
    parser.add_argument('--m', type=int, default=None, help='override m')
    parser.add_argument('--lr', type=float, default=None,
                        help='override the Adam lr of every variant')
    parser.add_argument('--out', default=None,
                        help='also write the final-distance table (markdown)')
    args = parser.parse_args()
    start = time.time()
    rows = []
    for setting in args.settings:
        m, checkpoints = SETTINGS[setting]
        m = args.m or m
        for state in args.states:
            for noise in args.noise:
                key = f'{setting} (m={m}, T={checkpoints}), {state} state, ' \
                      f'noise {noise}'
                print(f'\n## {key}: distance after checkpoints 0..T '
                      f'(mean of {args.seeds} seeds)')
                finals = {}
                for name in args.variants:
                    ctrl_kwargs, reward_kwargs = VARIANTS[name]
                    if args.lr is not None:
                        ctrl_kwargs = dict(ctrl_kwargs, lr=args.lr)
                    curves = np.array([
                        run_controller(Toy(s, checkpoints, state == 'moving'),
                                       m, noise, s, ctrl_kwargs,
                                       reward_kwargs)
                        for s in range(args.seeds)
                    ])
                    finals[name] = curves[:, -1]
                    print(f'{name:>34}: {summarise(curves)}')
                best = None
                for step in ES_STEPS:
                    curves = np.array([
                        run_es(Toy(s, checkpoints, state == 'moving'), m,
                               noise, s, step) for s in range(args.seeds)
                    ])
                    if best is None or curves[:, -1].mean() < best[1].mean():
                        best = (step, curves[:, -1], curves)
                print(f'{"ES reference (alpha " + str(best[0]) + ")":>34}: '
                      f'{summarise(best[2])}')
                rows.append((key, finals, best))
    lines = [
        '| setting | ' + ' | '.join(args.variants) +
        ' | ES reference (best alpha) |',
        '|---|' + '---|' * (len(args.variants) + 1)
    ]
    for key, finals, (step, es, _) in rows:
        cells = [
            f'{finals[n].mean():.2f} ± {finals[n].std():.2f} '
            f'({finals[n].mean() / es.mean():.1f}x)' for n in args.variants
        ]
        lines.append(f'| {key} | ' + ' | '.join(cells) +
                     f' | {es.mean():.2f} ± {es.std():.2f} (alpha {step}) |')
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
