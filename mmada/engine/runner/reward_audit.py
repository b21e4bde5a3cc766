"""The reward audit: does the exploration's reward rank loss weights the way
the end of the schedule does?

From the trajectory of an exploration's schedule with every weight 1 (the
Baseline along the same intervals and batches), at a few branch checkpoints,
a few fixed weightings are each trained to the end of the schedule. Each
branch is scored by every candidate reward:

- ``'interval'`` (a): the PQ one interval later (today's reward);
- ``'cooldown'`` (b): (a)'s model trained a few more iterations with the lr
  annealed to 0 (a copy, thrown away after its evaluation);
- ``'horizon'`` (c): the PQ ``horizon`` intervals later, the same weights;

and the ground truth (``'final'``) is the PQ at the end of the schedule.
:func:`audit_table` gives, per candidate, Kendall's tau with the ground truth
within each (seed, branch) group, its mean with a bootstrap interval over the
groups, the paired difference against (a) and the cost.

``tools/analysis/reward_audit.py`` runs it (``train_cfg.type =
'RewardAuditLoop'`` on an exploration config) and prints the table.
"""
import json
import os.path as osp
import time
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.dist import get_world_size
from scipy.stats import kendalltau
from mmdet.registry import LOOPS

from mmada.utils import atomic_torch_save, atomic_write, load_checkpoint_file
from .explore_loop import ExploreLoop
from .settings import COOLDOWN_SCHEDULES

#: audit settings (``train_cfg.audit``) and their defaults
AUDIT_KEYS = dict(
    branches=(3, 6, 9),  # checkpoints t after which weightings branch off
    seg_loss='loss_seg',  # the loss whose weight is scaled by seg_factors
    seg_factors=(0.5, 1.0, 2.0, 4.0),
    samples=2,  # controller samples (Eq. 2 around the untrained Eq. 1)
    cooldown_iters=None,  # (b)'s extra iterations; default: interval // 2
    cooldown_schedule='linear',  # or 'cosine'
    horizon=3)  # (c): PQ after this many intervals
CANDIDATES = ('interval', 'cooldown', 'horizon')


def check_audit_settings(audit: Dict[str, Any],
                         num_checkpoints: int) -> Dict[str, Any]:
    """``train_cfg.audit`` with defaults; a one-line error naming the key."""
    unknown = sorted(set(audit) - set(AUDIT_KEYS))
    if unknown:
        raise KeyError(f'train_cfg.audit: unknown keys {unknown}; expected '
                       f'{sorted(AUDIT_KEYS)}')
    s = {**AUDIT_KEYS, **audit}
    s['branches'] = sorted(int(b) for b in s['branches'])
    if not s['branches'] or s['branches'][0] < 1:
        raise ValueError('train_cfg.audit.branches: checkpoints >= 1, got '
                         f'{s["branches"]}')
    if s['branches'][-1] + s['horizon'] > num_checkpoints:
        raise ValueError(
            f'train_cfg.audit: the last branch ({s["branches"][-1]}) + '
            f'horizon ({s["horizon"]}) passes T = {num_checkpoints}')
    if int(s['horizon']) < 2:
        raise ValueError('train_cfg.audit.horizon: at least 2 intervals '
                         f'(1 is candidate (a)), got {s["horizon"]}')
    if s['cooldown_schedule'] not in COOLDOWN_SCHEDULES:
        raise ValueError('train_cfg.audit.cooldown_schedule: one of '
                         f'{COOLDOWN_SCHEDULES}, got '
                         f'{s["cooldown_schedule"]!r}')
    if any(f <= 0 for f in s['seg_factors']):
        raise ValueError('train_cfg.audit.seg_factors: positive factors, got '
                         f'{list(s["seg_factors"])}')
    return s


def audit_weightings(names: Sequence[str], seg_loss: str,
                     seg_factors: Sequence[float],
                     samples: Sequence[Sequence[float]]) -> Dict[str, list]:
    """name -> loss weights: the weight of ``seg_loss`` times each factor
    (the others 1), then the controller samples."""
    if seg_loss not in names:
        raise KeyError(f'train_cfg.audit.seg_loss {seg_loss!r} is not among '
                       f'the weighted losses {list(names)}')
    out = {}
    for f in seg_factors:
        out[f'seg x{f:g}'] = [float(f) if n == seg_loss else 1.0
                              for n in names]
    for k, s in enumerate(samples):
        out[f'sample {k + 1}'] = [float(w) for w in s]
    return out


def kendall_tau(x: Sequence[float], y: Sequence[float]) -> float:
    """Kendall's tau-b of two score lists (scipy's; pairs with a NaN left
    out; NaN with fewer than 2 pairs or a constant list)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 2 or np.ptp(x[keep]) == 0 or np.ptp(y[keep]) == 0:
        return float('nan')
    return float(kendalltau(x[keep], y[keep]).statistic)


def bootstrap_interval(values: Sequence[float],
                       draws: int = 10000,
                       level: float = 0.95,
                       seed: int = 0) -> tuple:
    """Percentile bootstrap interval of the mean (NaNs left out)."""
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    if len(v) == 0:
        return float('nan'), float('nan')
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, len(v), size=(draws, len(v)))].mean(axis=1)
    alpha = (1.0 - level) / 2.0
    return (float(np.quantile(means, alpha)),
            float(np.quantile(means, 1.0 - alpha)))


def audit_table(rows: List[Dict[str, Any]],
                reference: str = 'interval',
                draws: int = 10000) -> Dict[str, Dict[str, Any]]:
    """Per candidate: tau with 'final' in every (seed, branch) group, its mean
    and bootstrap interval, the paired difference against ``reference`` with
    its interval, and the mean cost (seconds and iterations per branch).

    A group where (c)'s score is the final PQ itself (the branch whose
    horizon reaches T: the same evaluation, ``RewardAuditLoop.branch``) has
    no tau for (c) (NaN): it predicts nothing there, and its tau of 1 would
    count for it in the mean and in the paired difference."""
    groups: Dict[tuple, List[dict]] = {}
    for r in rows:
        groups.setdefault((r['seed'], r['branch']), []).append(r)
    keys = sorted(groups)
    table = {}
    for c in CANDIDATES:
        taus = [
            float('nan') if c == 'horizon' and all(
                r['scores'][c] == r['scores']['final'] for r in groups[k])
            else
            kendall_tau([r['scores'][c] for r in groups[k]],
                        [r['scores']['final'] for r in groups[k]])
            for k in keys
        ]
        table[c] = dict(taus=taus, tau=_nanmean(taus),
                        interval=bootstrap_interval(taus, draws),
                        seconds=_nanmean([r['cost'][c]['seconds']
                                          for r in rows]),
                        iters=_nanmean([r['cost'][c]['iters'] for r in rows]))
    for c in CANDIDATES:
        diff = [a - b for a, b in zip(table[c]['taus'],
                                      table[reference]['taus'])]
        table[c]['diff'] = _nanmean(diff)
        table[c]['diff_interval'] = bootstrap_interval(diff, draws)
    return table


def adopted(table: Dict[str, Dict[str, Any]],
            reference: str = 'interval',
            margin: float = 0.2) -> List[str]:
    """The candidates that pass the rule declared before the runs: mean tau
    above the reference's by at least ``margin`` and a bootstrap interval of
    the paired difference that excludes 0."""
    return [
        c for c, r in table.items() if c != reference
        and r['diff'] >= margin and r['diff_interval'][0] > 0
    ]


def _nanmean(values) -> float:
    v = [x for x in values if x is not None and np.isfinite(x)]
    return float(np.mean(v)) if v else float('nan')


@LOOPS.register_module()
class RewardAuditLoop(ExploreLoop):
    """The audit as a loop over an exploration config's schedule (one
    process; run seeds as separate processes).

    ``train_cfg = dict(type='RewardAuditLoop', max_epochs=..., checkpoints=T,
    interval=q, audit=dict(...))`` (keys: ``AUDIT_KEYS``). Output in
    ``work_dir``: ``reward_audit.jsonl`` (one line per branch and weighting,
    written atomically; a rerun with ``resume=True`` skips the lines there)
    and ``audit_trunk.pth`` (the trunk's states at the branch checkpoints).
    """

    def __init__(self, runner, dataloader: dict, max_epochs=None,
                 max_iters=None, audit: Optional[dict] = None,
                 **settings) -> None:
        if get_world_size() > 1:
            raise RuntimeError('RewardAuditLoop runs in one process: run '
                               'each seed as a process of its own')
        super().__init__(runner, dataloader, max_epochs, max_iters,
                         **settings)
        self.audit = check_audit_settings(dict(audit or {}),
                                          self.num_checkpoints)
        self.cooldown_iters = int(self.audit['cooldown_iters']
                                  or max(1, self.interval // 2))

    def run(self) -> torch.nn.Module:
        self.runner.call_hook('before_train')
        self._check_schedulers()
        rows = self.load_rows() if self.runner.cfg.get('resume') else []
        trunk = self.trunk()
        done = {(r['branch'], r['weighting']) for r in rows}
        for b in self.audit['branches']:
            weightings = audit_weightings(
                self.weighting.names, self.audit['seg_loss'],
                self.audit['seg_factors'], trunk[b]['samples'])
            for name, w in weightings.items():
                if (b, name) in done:
                    continue
                rows.append(
                    self.branch(b, name, w, trunk[b]['training_state']))
                self.save_rows(rows)
        self.runner.call_hook('after_train')
        return self.runner.model

    def trunk(self) -> Dict[int, Dict[str, Any]]:
        """The weight-1 trajectory's state and controller samples at every
        branch checkpoint (from ``audit_trunk.pth`` when it is there)."""
        path = self.report.path('audit_trunk.pth')
        if self.runner.cfg.get('resume') and osp.exists(path):
            saved = load_checkpoint_file(path, map_location='cpu')
            self.weighting.adopt_names(saved['loss_names'])
            self.runner.logger.info(f'[audit] trunk from {path}')
            return saved['branches']
        state = self.pseudo_epoch()
        self.load_training_state(state['best_model'])
        out = {}
        for t in range(1, self.audit['branches'][-1] + 1):
            losses = self.train_interval(t, None)
            if t in self.audit['branches']:
                proposal = dict(l_best=losses, l_ref=state['l_ref'])
                _, samples = self.strategy.propose(t + 1, proposal)
                valid = [s.tolist() for s in samples if bool((s > 0).all())]
                out[t] = dict(training_state=self.training_state(),
                              samples=valid[:self.audit['samples']])
        atomic_torch_save(dict(loss_names=self.weighting.names, branches=out),
                          path)
        return out

    def branch(self, b: int, name: str, loss_weights: List[float],
               start: Dict[str, Any]) -> Dict[str, Any]:
        """Weights ``loss_weights`` from checkpoint b to the end; every
        candidate's score and cost on the way."""
        self.runner.logger.info(f'[audit] branch after checkpoint {b}: '
                                f'{name} {loss_weights}')
        self.load_training_state(start)
        scores, cost = {}, {}
        start = time.perf_counter()
        for t in range(b + 1, self.num_checkpoints + 1):
            self.train_interval(t, loss_weights)
            if t == b + 1:
                scores['interval'] = self.score(self.evaluate)
                cost['interval'] = dict(seconds=time.perf_counter() - start,
                                        iters=self.interval)
                cooled = time.perf_counter()
                scores['cooldown'] = self.score(lambda: self.evaluate_cooled(
                    t, loss_weights, self.cooldown_iters,
                    self.audit['cooldown_schedule']))
                cooled = time.perf_counter() - cooled
                cost['cooldown'] = dict(
                    seconds=cost['interval']['seconds'] + cooled,
                    iters=self.interval + self.cooldown_iters)
                start += cooled  # (c)'s time: not the cooldown's
            if t == b + self.audit['horizon']:
                scores['horizon'] = self.score(self.evaluate)
                cost['horizon'] = dict(seconds=time.perf_counter() - start,
                                       iters=self.audit['horizon'] *
                                       self.interval)
        scores['final'] = (scores['horizon']
                           if b + self.audit['horizon'] == self.num_checkpoints
                           else self.score(self.evaluate))
        return dict(seed=self.seed, branch=b, weighting=name,
                    loss_weights=loss_weights, scores=scores, cost=cost)

    def score(self, evaluate) -> float:
        """The metric ``evaluate()`` gives on proxy val; NaN if it
        failed."""
        try:
            return float(evaluate()[self.settings['metric']])
        except Exception as e:  # noqa: B902 a failed branch is data
            self.runner.logger.warning(f'[audit] evaluation failed ({e})')
            return float('nan')

    def save(self, state: Dict[str, Any]) -> None:
        """The audit keeps no exploration state (see :meth:`trunk`)."""

    def rows_path(self) -> str:
        return self.report.path('reward_audit.jsonl')

    def load_rows(self) -> List[Dict[str, Any]]:
        try:
            with open(self.rows_path()) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def save_rows(self, rows: List[Dict[str, Any]]) -> None:
        with atomic_write(self.rows_path(), 'w') as f:
            for r in rows:
                f.write(json.dumps(r) + '\n')
