"""The weight controller on a toy reward, without any network training.

    python tools/analysis/controller_toy.py [--output exp linear] [--m 8]
        [--checkpoints 12] [--seeds 20] [--lr 0.05]

Each "member" is scored by a noisy function of its sampled weights:
``v = -||log lam_hat - log lam*||^2 + noise`` with a random target lam*
(log-normal, one per seed), the rewards are Eqs. 3-5 and the controller is
updated by Eq. 6 with the paper's settings (sigma 0.2, Adam lr 5e-2). The
script prints, per output function of pi, how many of the m samples are
valid (no negative entry) at each checkpoint, averaged over seeds: with a
linear output the paper's Adam step drives lambda negative within a few
checkpoints, after which nearly every sample is invalid and gets -1, and a
batch of -1 rewards carries no signal, so the controller never comes back.
"""
import argparse

import numpy as np

from mmada.controller import WeightController, ada_segment_rewards


def run(output, m, checkpoints, seed, lr, n=10):
    rng = np.random.RandomState(seed)
    target = np.exp(0.5 * rng.randn(n))
    ctrl = WeightController([f'loss{i}' for i in range(n)], seed=seed,
                            lr=lr, output=output)
    losses = l_ref = np.ones(n)
    v_best, valid_counts = 0.0, []
    for t in range(1, checkpoints + 1):
        lam = ctrl.weights(losses, l_ref)
        samples = ctrl.sample(lam, m, t)
        valid = ctrl.is_valid(samples).numpy()
        log_s = np.log(np.clip(samples.numpy(), 1e-3, None))
        v = -((log_s - np.log(target))**2).sum(1) + 0.1 * rng.randn(m)
        rewards = ada_segment_rewards(np.where(valid, v, 0.0), v_best, t,
                                      checkpoints, valid)
        ctrl.update(losses, l_ref, samples, rewards)
        ctrl.snapshot()
        if valid.any():
            v_best = float(v[valid].max())
        valid_counts.append(int(valid.sum()))
    return valid_counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--output', nargs='+', default=['exp', 'linear'])
    parser.add_argument('--m', type=int, default=8)
    parser.add_argument('--checkpoints', type=int, default=12)
    parser.add_argument('--seeds', type=int, default=20)
    parser.add_argument('--lr', type=float, default=0.05)
    args = parser.parse_args()
    print(f'm={args.m}, T={args.checkpoints}, {args.seeds} seeds, '
          f'Adam lr {args.lr}: valid samples per checkpoint (mean)')
    for output in args.output:
        counts = np.mean([
            run(output, args.m, args.checkpoints, s, args.lr)
            for s in range(args.seeds)
        ], axis=0)
        print(f'{output:>7}: ' + ' '.join(f'{c:.1f}' for c in counts))


if __name__ == '__main__':
    main()
