"""Is the controller learning? The learning diagnostics of explorations.

    python tools/analysis/explore_diagnostics.py WORK_DIR [WORK_DIR ...]
        [--out FILE.md]

Reads ``explore_log.jsonl`` of each exploration's work_dir and prints, per
checkpoint t (the mean over the given explorations, e.g. seeds):

- ``r spread`` / ``r mean``: std and mean over the members of the reward
  used by Eq. 6 (a mean far from 0 next to a small spread: the common
  offset dominates); ``r_imp mean``: Eq. 4's offset before any centring;
- ``cos``: cosine between the Eq. 6 gradient and the one from centred
  rewards (1: the step is all signal; near 0: mostly the offset's noise);
  ``offset``: the offset's share of the gradient norm;
- ``learn`` / ``state``: rms change of log lambda because the policy changed
  (pi^t vs pi^{t-1} at the same state) and because the state changed (same
  policy, next state);
- ``PQ best`` and the spread of the members' PQ, the number of members
  that trained and were scored (``valid``: a sample with a negative weight
  is not trained), and the range of lambda (``lambda min``, ``lambda max``).

The last line sums the moves: the share of lambda's movement that learning
made. ``--correlate LOSS`` adds, per exploration and checkpoint, the
correlation between the members' sampled log lambda of LOSS and their PQ
(checkpoints with >= 3 scored members): negative means that members that
put less weight on LOSS scored higher in that interval. Read it with "Is the controller learning?" in
configs/ada_segment/README.md.
"""
import argparse
import json
import math
import os.path as osp

import numpy as np

COLUMNS = (('r spread', 'reward_total_std'), ('r mean', 'reward_total_mean'),
           ('r_imp mean', 'reward_imp_mean'), ('cos', 'grad_cosine_centred'),
           ('offset', 'offset_share'), ('learn', 'policy_move'),
           ('state', 'state_move'))


def load(work_dir):
    path = osp.join(work_dir, 'explore_log.jsonl')
    if not osp.isfile(path):
        raise SystemExit(f'{path}: not found (expected the log an '
                         'exploration writes in its work_dir)')
    with open(path) as f:
        entries = [json.loads(line) for line in f if line.strip()]
    return [e for e in entries if not e.get('pseudo_epoch')]


def rows(logs):
    """Per checkpoint: the mean over explorations of every column."""
    num = min(len(entries) for entries in logs)
    table = []
    for i in range(num):
        row = dict(t=logs[0][i]['checkpoint'])
        for name, key in COLUMNS:
            values = [(e[i].get('controller') or {}).get(key) for e in logs]
            values = [v for v in values if v is not None]
            row[name] = float(np.mean(values)) if values else float('nan')
        row['PQ best'] = float(np.mean([e[i]['v_best'] for e in logs]))
        row['valid'] = float(
            np.mean([sum(m.get('ok', m['v'] is not None)
                         for m in e[i]['members'] if not m.get('pending'))
                     for e in logs]))
        row['lambda min'] = float(
            np.mean([min(e[i]['loss_weights']) for e in logs]))
        row['lambda max'] = float(
            np.mean([max(e[i]['loss_weights']) for e in logs]))
        row['PQ spread'] = float(
            np.mean([
                np.std([m['v'] for m in e[i]['members']
                        if m['v'] is not None] or [0.0]) for e in logs
            ]))
        table.append(row)
    return table


def correlations(logs, loss):
    """Per exploration, the correlation between the members' sampled log
    lambda of ``loss`` and their v, at every checkpoint with >= 3 scored
    members whose lambda of ``loss`` differ (the one-interval members only:
    a long-horizon member's v comes after several intervals)."""
    result = []
    for entries in logs:
        corr = []
        for e in entries:
            names = e.get('loss_names')
            if not names or loss not in names:
                raise SystemExit(f'--correlate: {loss!r} is not one of the '
                                 f'logged losses {names}')
            i = names.index(loss)
            pairs = [(math.log(m['loss_weights'][i]), m['v'])
                     for m in e['members']
                     if m['v'] is not None and m['loss_weights'][i] > 0
                     and not m.get('long')]
            if len(pairs) >= 3 and np.std([p[0] for p in pairs]) > 0:
                corr.append(float(np.corrcoef(np.array(pairs).T)[0, 1]))
        result.append(corr)
    return result


def correlation_text(corrs, loss):
    flat = [c for corr in corrs for c in corr]
    if not flat:
        return f'corr(log lambda of {loss}, PQ): no checkpoint to measure'
    sem = np.std(flat) / math.sqrt(len(flat))
    lines = [f'corr(sampled log lambda of {loss}, PQ) within a checkpoint: '
             f'mean {np.mean(flat):+.2f} (standard error {sem:.2f}), '
             f'negative at {sum(c < 0 for c in flat)} of {len(flat)} '
             'checkpoints']
    for k, corr in enumerate(corrs):
        lines.append(f'  exploration {k}: ' +
                     ' '.join(f'{c:+.2f}' for c in corr))
    return '\n'.join(lines)


def markdown(table):
    keys = ['t'] + [name for name, _ in COLUMNS] + [
        'PQ best', 'PQ spread', 'valid', 'lambda min', 'lambda max'
    ]
    lines = ['| ' + ' | '.join(keys) + ' |', '|' + '---|' * len(keys)]
    for row in table:
        cells = [str(row['t'])] + [f'{row[k]:.3g}' for k in keys[1:]]
        lines.append('| ' + ' | '.join(cells) + ' |')
    learn = np.nansum([r['learn'] for r in table])
    state = np.nansum([r['state'] for r in table])
    share = learn / (learn + state) if learn + state > 0 else float('nan')
    lines.append('')
    lines.append(f'Summed rms moves of log lambda: by learning {learn:.3f}, '
                 f'by the state {state:.3f} (learning: {100 * share:.0f} %); '
                 'mean cosine(Eq. 6, centred) '
                 f'{np.nanmean([r["cos"] for r in table]):.2f}.')
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('work_dirs', nargs='+')
    parser.add_argument('--out', default=None, help='also write markdown')
    parser.add_argument('--correlate', default=None, metavar='LOSS',
                        help='correlate the sampled lambda of LOSS with PQ')
    args = parser.parse_args()
    logs = [load(d) for d in args.work_dirs]
    text = (f'Learning diagnostics, mean over {len(logs)} exploration(s):\n\n'
            + markdown(rows(logs)))
    if args.correlate:
        text += '\n\n' + correlation_text(
            correlations(logs, args.correlate), args.correlate)
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')


if __name__ == '__main__':
    main()
