"""What an exploration tells and leaves behind: log lines with progress and
ETA, ``progress.json`` (the same progress for a program to read), one JSON
line per checkpoint (``explore_log.jsonl``) and three plots. Files are
written by rank 0; the resume state, the strategy's files and the best model
are ``explore_state.py``'s."""
import json
import os
import os.path as osp
import time
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.dist import is_main_process

from mmada.controller.controller import log_weights, rms
from mmada.utils import atomic_write

PQ_KEYS = ('PQ', 'PQ_th', 'PQ_st', 'SQ', 'RQ')
# per checkpoint, in explore_log.jsonl ("controller"), the visualizer
# (explore/learning/...) and learning.png: see "Is the controller learning?"
# in configs/ada_segment/README.md
DIAGNOSTICS = ('reward_local_mean', 'reward_local_std', 'reward_imp_mean',
               'reward_imp_std', 'reward_total_mean', 'reward_total_std',
               'grad_norm', 'grad_norm_centred', 'grad_cosine_centred',
               'offset_share', 'policy_move', 'state_move')
PROGRESS_FILE = 'progress.json'


class ExploreReport:
    """Progress, history and artifacts of an :class:`ExploreLoop`.

    ``progress.json`` is rewritten at each step of the run (rank 0) with
    ``phase`` (``'starting'``, ``'pseudo epoch'``, ``'training'``,
    ``'evaluating'``, ``'done'``), ``checkpoint`` (t, None before the first)
    of ``checkpoints`` (T), ``member`` (j, 0-based as in explore_log.jsonl,
    None before the first) of ``population`` (m), ``elapsed`` and ``eta``
    (seconds; ``eta`` None until a member is done) as of ``timestamp``
    (``time.time()``).

    Args:
        runner (ExploreRunner): Its logger, visualizer and work_dir.
        num_checkpoints (int): T.
        population (int): m.
        interval (int): q, iterations per interval.
        num_members (int): How many members this process trains at each
            checkpoint (the ETA counts them).
    """

    def __init__(self, runner, num_checkpoints: int, population: int,
                 interval: int, num_members: int) -> None:
        self.runner = runner
        self.num_checkpoints = num_checkpoints
        self.population = population
        self.interval = interval
        self.num_members = num_members
        self.loss_names: Optional[List[str]] = None  # known after 1 interval
        self.history: List[Dict[str, Any]] = []
        self.timing = dict(train=0.0, eval=0.0, total=0.0)
        self._start = time.perf_counter()
        self._members_done = 0
        self._eta = None  # (seconds left, when)
        self.progress = dict(phase='starting', checkpoint=None,
                             checkpoints=num_checkpoints, member=None,
                             population=population)

    # -- log lines and progress.json -----------------------------------------
    def log(self, msg: str) -> None:
        self.runner.logger.info(f'[explore] {msg}')

    def log_plan(self, settings: Dict[str, Any], loss_names: Sequence[str],
                 num_train: int, num_val: int, group_size: int) -> None:
        """What runs: the settings, the weighted losses (or their patterns),
        the proxy splits' sizes (images) and the processes."""
        s = settings
        self.log(
            f'm={self.population} members, T={self.num_checkpoints} '
            f'checkpoints, q={self.interval} iterations per interval (+ the '
            f'pseudo epoch), sigma={s["sigma"]}, reward={s["reward"]}; '
            f'{len(loss_names)} weighted losses {loss_names}; proxy train '
            f'{num_train} images, proxy val {num_val} images; '
            f'{self.runner.world_size} process(es), '
            f'{group_size} per member; output in '
            f'{self.runner.work_dir}')
        if s['cooldown_iters']:
            self.log(f'v after a cooldown of {s["cooldown_iters"]} iterations '
                     f'({s["cooldown_schedule"]} lr to 0) of a copy of each '
                     f'member: x{1 + s["cooldown_iters"] / self.interval:.2f}'
                     ' training iterations')
        self._set_progress('starting')

    def log_pseudo_epoch(self) -> None:
        self.log('pseudo epoch: all loss weights 1')
        self._set_progress('pseudo epoch')

    def log_member(self, t: int, member: int) -> None:
        total = self.num_members * self.num_checkpoints
        done = self._members_done
        elapsed = time.perf_counter() - self._start
        eta = ''
        if done:
            left = elapsed / done * (total - done)
            self._eta = (left, time.perf_counter())
            eta = f', ETA {_hms(left)}'
        self.log(f'checkpoint {t}/{self.num_checkpoints}, member '
                 f'{member + 1}/{self.population}: '
                 f'training {self.interval} iterations{eta}')
        self._members_done += 1
        self._set_progress('training', checkpoint=t, member=member)

    def log_evaluation(self, num_images: int) -> None:
        self.log(f'evaluating on {num_images} proxy val images')
        self._set_progress('evaluating')

    def _set_progress(self, phase: str, **where) -> None:
        """progress.json (rank 0) with ``phase`` and, if given, the
        checkpoint and member."""
        self.progress.update(phase=phase, **where)
        if not is_main_process():
            return
        now = time.perf_counter()
        eta = None
        if self._eta is not None:
            eta = max(0.0, self._eta[0] - (now - self._eta[1]))
        _replace_json(
            dict(self.progress, elapsed=now - self._start, eta=eta,
                 timestamp=time.time()), self.path(PROGRESS_FILE))

    # -- history --------------------------------------------------------------
    def add_pseudo_epoch(self, loss_names: Sequence[str], losses: np.ndarray,
                         v: float) -> None:
        """l^1 and the pseudo-epoch model's PQ (checkpoint 0)."""
        self.loss_names = list(loss_names)
        self.history.append(
            dict(checkpoint=0, pseudo_epoch=True, losses=_floats(losses),
                 v_best=v, time=self._times()))
        self.log(f'pseudo epoch done: PQ {v:.2f}; l^1 = ' + _named(
            self.loss_names, losses))

    def add_checkpoint(self, t, loss_weights, samples, results, rewards, best,
                       update, state) -> None:
        names = self.loss_names
        members = []
        for r, sample, reward in zip(results, samples, rewards):
            metrics = {
                k: r['metrics'].get(f'coco_panoptic/{k}')
                for k in PQ_KEYS
            }
            if 'coco_panoptic/PQ_se' in r['metrics']:  # metric's bootstrap
                metrics['PQ_se'] = r['metrics']['coco_panoptic/PQ_se']
            members.append(
                dict(member=r['member'], loss_weights=_floats(sample),
                     losses=None if r['losses'] is None else _floats(
                         r['losses']),
                     v=None if not r['ok'] else r['v'], ok=r['ok'],
                     error=r['error'],
                     reward=float(reward) if np.isfinite(reward) else None,
                     **{k: True for k in ('long', 'pending') if r.get(k)},
                     **metrics))
        update = dict(update)
        previous = self.history[-1].get('controller') or {}
        if 'loss_weights_after' in previous:  # pi^{t-1}: state t vs t-1
            update['state_move'] = rms(
                log_weights(loss_weights) -
                log_weights(previous['loss_weights_after']))
        entry = dict(checkpoint=t, loss_names=names,
                     loss_weights=_floats(loss_weights),
                     members=members, best=best, v_best=state['v_best'],
                     l_best=_floats(state['l_best']),
                     controller=update, time=self._times())
        self.history.append(entry)
        vis = self.runner.visualizer
        vis.add_scalars({f'explore/loss_weights/{n}': float(w)
                         for n, w in zip(names, loss_weights)}, step=t)
        vis.add_scalars({'explore/v_best': state['v_best'],
                         'explore/mean_reward': float(np.nanmean(rewards))},
                        step=t)
        vis.add_scalars({f'explore/learning/{k}': update[k]
                         for k in DIAGNOSTICS if k in update}, step=t)
        if 'policy_move' in update:
            u = {k: _fmt(update.get(k)) for k in DIAGNOSTICS}
            self.log(
                f'checkpoint {t}: reward spread (std) '
                f'{u["reward_total_std"]} around mean '
                f'{u["reward_total_mean"]} (r_local {u["reward_local_std"]}, '
                f'r_imp mean {u["reward_imp_mean"]}); Eq. 6 gradient vs '
                f'centred: cosine {u["grad_cosine_centred"]}, offset share '
                f'{u["offset_share"]}; log lambda moved '
                f'{u["policy_move"]} by learning, {u["state_move"]} by the '
                'state')
        pq = ', '.join('-' if m['v'] is None else f'{m["v"]:.2f}'
                       for m in members)
        self.log(f'checkpoint {t}/{self.num_checkpoints}: PQ [{pq}], '
                 f'rewards {np.round(rewards, 3).tolist()}, best member '
                 f'{best if best is None else best + 1}, v_best '
                 f'{state["v_best"]:.2f}; loss weights = ' +
                 _named(names, loss_weights))

    def _times(self) -> Dict[str, float]:
        self.timing['total'] = time.perf_counter() - self._start
        t = dict(self.timing)
        t['other'] = t['total'] - t['train'] - t['eval']
        return {k: round(v, 3) for k, v in t.items()}

    def restore(self, state: Dict[str, Any]) -> None:
        """Go on from a resumed state: its history, timing and loss
        names."""
        self.loss_names = list(state['loss_names'])
        self.history = list(state['history'])
        self.timing = dict(state['timing'])
        self._start = time.perf_counter() - self.timing['total']
        self._members_done = self.num_members * state['checkpoint']

    # -- files ----------------------------------------------------------------
    def path(self, name: str) -> str:
        return osp.join(self.runner.work_dir, name)

    def save(self) -> None:
        """The JSON lines and the plots (after the resume state: they are
        made from it)."""
        with atomic_write(self.path('explore_log.jsonl'), 'w') as f:
            for entry in self.history:
                f.write(json.dumps(entry) + '\n')
        self._plot()

    def finish(self, v_best: float) -> None:
        """Say how it went, how long it took and where it all is."""
        times = self._times()
        self.log(
            f'done: best PQ on the proxy val split {v_best:.2f}; '
            f'time {_hms(times["total"])} = training {_hms(times["train"])} '
            f'+ evaluation {_hms(times["eval"])} + other '
            f'{_hms(times["other"])} '
            f'({100 * times["other"] / max(times["total"], 1e-9):.1f}%)')
        self.log(f'controller: {self.path("controller.pth")}; best model: '
                 f'{self.path("best_model.pth")}; log: '
                 f'{self.path("explore_log.jsonl")}; plots: '
                 f'{self.path("loss_weights.png")}, {self.path("pq.png")}, '
                 f'{self.path("learning.png")}')
        self._eta = (0.0, time.perf_counter())
        self._set_progress('done')

    def _plot(self) -> None:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        checkpoints = [e for e in self.history if not e.get('pseudo_epoch')]
        if not checkpoints:
            return
        names = checkpoints[0]['loss_names']
        ts = [e['checkpoint'] for e in checkpoints]
        fig, ax = plt.subplots(figsize=(7, 4))
        loss_weights = np.array([e['loss_weights'] for e in checkpoints])
        for i, name in enumerate(names):
            ax.plot(ts, loss_weights[:, i], marker='o', label=name)
        ax.set(xlabel='checkpoint t',
               ylabel='lambda (mean of the samples)',
               title='Loss weights per checkpoint')
        ax.legend(fontsize=7, ncol=2)
        _save_fig(fig, self.path('loss_weights.png'))
        fig, ax = plt.subplots(figsize=(7, 4))
        for e in checkpoints:
            vs = [m['v'] for m in e['members'] if m['v'] is not None]
            ax.scatter([e['checkpoint']] * len(vs), vs, color='gray', s=12)
        ax.plot([0] + ts, [self.history[0]['v_best']] +
                [e['v_best'] for e in checkpoints], marker='o', color='C3',
                label='best member')
        ax.set(xlabel='checkpoint t', ylabel='PQ (proxy val)',
               title='Members (gray) and best model per checkpoint')
        ax.legend()
        _save_fig(fig, self.path('pq.png'))
        if any('policy_move' in (e.get('controller') or {})
               for e in checkpoints):
            _save_fig(plot_learning(checkpoints), self.path('learning.png'))


def plot_learning(checkpoints: List[Dict[str, Any]]):
    """learning.png: the reward split, the offset's share of the Eq. 6
    gradient and what moved lambda, per checkpoint."""
    import matplotlib.pyplot as plt
    ts = [e['checkpoint'] for e in checkpoints]

    def series(key):
        return [(e.get('controller') or {}).get(key, np.nan)
                for e in checkpoints]

    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    for name, color in (('local', 'C0'), ('imp', 'C1'), ('total', 'C3')):
        mean = np.array(series(f'reward_{name}_mean'), dtype=float)
        std = np.array(series(f'reward_{name}_std'), dtype=float)
        axes[0].errorbar(ts, mean, yerr=std, marker='o', capsize=3,
                         color=color, label=f'r_{name}' if name != 'total'
                         else 'reward used (Eq. 6)')
    axes[0].set(xlabel='checkpoint t', ylabel='mean +- std over members',
                title='Rewards: signal = spread, offset = mean')
    axes[0].legend(fontsize=8)
    panels = (
        (axes[1], dict(ylim=(-1.05, 1.05),
                       title='Eq. 6 gradient: signal or offset?'),
         (('grad_cosine_centred', 'cosine(Eq. 6 grad, centred grad)'),
          ('offset_share', 'offset share |g - g_c| / |g|'))),
        (axes[2], dict(ylabel='rms change of log lambda',
                       title='What moved lambda'),
         (('policy_move', 'by learning (pi^t vs pi^{t-1}, same state)'),
          ('state_move', 'by the state (same pi, next state)'))),
    )
    for ax, labels, lines in panels:
        for (key, label), marker in zip(lines, 'os'):
            ax.plot(ts, series(key), marker=marker, label=label)
        ax.set(xlabel='checkpoint t', **labels)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _save_fig(fig, path: str) -> None:
    import matplotlib.pyplot as plt
    with atomic_write(path, 'wb') as f:
        fig.savefig(f, format='png', dpi=100, bbox_inches='tight')
    plt.close(fig)


def _replace_json(obj: Any, path: str) -> None:
    """``obj`` as JSON to ``path`` through a temporary file and a rename: a
    reader never sees half a file. Not :func:`mmada.utils.atomic_write`:
    nothing reads a progress file back after a crash (no fsync), and the
    fault injection's count of atomic writes stays that of the files a
    resume reads (``atomic_write@k``)."""
    tmp = f'{path}.tmp'
    with open(tmp, 'w') as f:
        json.dump(obj, f)
    os.replace(tmp, path)


def _floats(values) -> List[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def _fmt(value) -> str:
    return '-' if value is None else f'{value:.3g}'


def _named(names, values) -> str:
    return ', '.join(f'{n}={float(v):.4g}' for n, v in zip(names, values))


def _hms(seconds: float) -> str:
    seconds = int(round(seconds))
    return f'{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}'
