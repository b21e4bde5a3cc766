"""What an exploration tells and leaves behind: log lines with progress and
ETA, one JSON line per checkpoint, the controller file, the resume state, the
best model and two plots. Files are written atomically by rank 0."""
import json
import os.path as osp
import time
from typing import Any, Dict, List

import numpy as np

from mmada.controller.controller import log_weights, rms
from mmada.utils import atomic_torch_save, atomic_write
from .population import unwrap

PQ_KEYS = ('PQ', 'PQ_th', 'PQ_st', 'SQ', 'RQ')
# per checkpoint, in explore_log.jsonl ("controller"), the visualizer
# (explore/learning/...) and learning.png: see "Is the controller learning?"
# in configs/ada_segment/README.md
DIAGNOSTICS = ('reward_local_mean', 'reward_local_std', 'reward_imp_mean',
               'reward_imp_std', 'reward_total_mean', 'reward_total_std',
               'grad_norm', 'grad_norm_centred', 'grad_cosine_centred',
               'offset_share', 'policy_move', 'state_move')


class ExploreReport:
    """Progress, history and artifacts of an :class:`ExploreLoop` (read
    through its public attributes and its runner's)."""

    def __init__(self, loop) -> None:
        self.loop = loop
        self.runner = loop.runner
        self.num_checkpoints = loop.num_checkpoints
        self.history: List[Dict[str, Any]] = []
        self.timing = dict(train=0.0, eval=0.0, total=0.0)
        self._start = time.perf_counter()
        self._members_done = 0

    # -- log lines ------------------------------------------------------------
    def log(self, msg: str) -> None:
        self.runner.logger.info(f'[explore] {msg}')

    def log_plan(self) -> None:
        loop, s = self.loop, self.loop.settings
        hook = loop.loss_hook
        names = hook.names if hook.names_known else hook.patterns
        self.log(
            f'm={s["population"]} members, T={self.num_checkpoints} '
            f'checkpoints, q={loop.interval} iterations per interval (+ the '
            f'pseudo epoch), sigma={s["sigma"]}, reward={s["reward"]}; '
            f'{len(names)} weighted losses {names}; proxy train '
            f'{len(loop.dataloader.dataset)} images, proxy val '
            f'{len(loop.val_dataloader.dataset)} images; '
            f'{self.runner.world_size} process(es), '
            f'{loop.layout.group_size} per member; output in '
            f'{self.runner.work_dir}')
        if s['cooldown_iters']:
            self.log(f'v after a cooldown of {s["cooldown_iters"]} iterations '
                     f'({s["cooldown_schedule"]} lr to 0) of a copy of each '
                     f'member: x{1 + s["cooldown_iters"] / loop.interval:.2f}'
                     ' training iterations')

    def log_member(self, t: int, member: int) -> None:
        mine = len(self.loop.layout.my_members)
        total = mine * self.num_checkpoints
        done = self._members_done
        elapsed = time.perf_counter() - self._start
        eta = ''
        if done:
            left = total - done
            eta = f', ETA {_hms(elapsed / done * left)}'
        self.log(f'checkpoint {t}/{self.num_checkpoints}, member '
                 f'{member + 1}/{self.loop.settings["population"]}: '
                 f'training {self.loop.interval} iterations{eta}')
        self._members_done += 1

    # -- history --------------------------------------------------------------
    def add_pseudo_epoch(self, losses: np.ndarray, v: float) -> None:
        self.history.append(
            dict(checkpoint=0, pseudo_epoch=True, losses=_floats(losses),
                 v_best=v, time=self._times()))
        self.log(f'pseudo epoch done: PQ {v:.2f}; l^1 = ' + _named(
            self.loop.loss_hook.names, losses))

    def add_checkpoint(self, t, loss_weights, samples, results, rewards, best,
                       update, state) -> None:
        names = self.loop.loss_hook.names
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
                     error=r['error'], reward=float(reward), **metrics))
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
                         'explore/mean_reward': float(np.mean(rewards))},
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

    # -- files ----------------------------------------------------------------
    def path(self, name: str) -> str:
        return osp.join(self.runner.work_dir, name)

    def save(self, state: Dict[str, Any], strategy) -> None:
        """The resume state, the controller, the JSON lines and the plots.

        The resume state is written first and alone decides where a resumed
        run continues; the other files are derived from it.
        """
        full = dict(state, strategy=strategy.state_dict(),
                    strategy_type=self.loop.settings['strategy'],
                    loss_names=self.loop.loss_hook.names,
                    schedule=self.loop.schedule,
                    history=self.history, timing=dict(self.timing))
        atomic_torch_save(full, self.path('explore_state.pth'))
        strategy.save(self.runner.work_dir)
        with atomic_write(self.path('explore_log.jsonl'), 'w') as f:
            for entry in self.history:
                f.write(json.dumps(entry) + '\n')
        self._plot()

    def load(self, state: Dict[str, Any]) -> None:
        if 'lam_best' in state:  # written by mmada <= 0.2
            state['best_loss_weights'] = state.pop('lam_best')
        self.history = list(state['history'])
        for entry in self.history:  # written by mmada <= 0.2
            if 'lam' in entry:
                entry['loss_weights'] = entry.pop('lam')
            controller = entry.get('controller') or {}
            if 'lam_after' in controller:
                controller['loss_weights_after'] = controller.pop('lam_after')
        self.timing = dict(state['timing'])
        self._start = time.perf_counter() - self.timing['total']
        self._members_done = len(self.loop.layout.my_members) * state[
            'checkpoint']

    def finish(self, state: Dict[str, Any]) -> None:
        """Save M_best^T as an mmengine checkpoint and say where it all is."""
        r = self.runner
        meta = dict(dataset_meta=self.loop.dataloader.dataset.metainfo,
                    explore=dict(checkpoint=state['checkpoint'],
                                 v_best=state['v_best']))
        atomic_torch_save(
            dict(meta=meta, state_dict=unwrap(r.model).state_dict()),
            self.path('best_model.pth'))
        times = self._times()
        self.log(
            f'done: best PQ on the proxy val split {state["v_best"]:.2f}; '
            f'time {_hms(times["total"])} = training {_hms(times["train"])} '
            f'+ evaluation {_hms(times["eval"])} + other '
            f'{_hms(times["other"])} '
            f'({100 * times["other"] / max(times["total"], 1e-9):.1f}%)')
        self.log(f'controller: {self.path("controller.pth")}; best model: '
                 f'{self.path("best_model.pth")}; log: '
                 f'{self.path("explore_log.jsonl")}; plots: '
                 f'{self.path("loss_weights.png")}, {self.path("pq.png")}, '
                 f'{self.path("learning.png")}')

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


def _floats(values) -> List[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def _fmt(value) -> str:
    return '-' if value is None else f'{value:.3g}'


def _named(names, values) -> str:
    return ', '.join(f'{n}={float(v):.4g}' for n, v in zip(names, values))


def _hms(seconds: float) -> str:
    seconds = int(round(seconds))
    return f'{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}'
