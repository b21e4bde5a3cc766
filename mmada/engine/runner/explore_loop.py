"""Ada-Segment's automated exploration and adaptation (Algorithm 1) as an
mmengine loop."""
import copy
import os.path as osp
import time
from typing import Any, Dict, List, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, barrier, is_main_process
from mmengine.runner import BaseLoop
from mmdet.registry import LOOPS

from mmada.controller import WeightController
from mmada.models import LossWeighting
from mmada.utils import derive_seed, seed_everything
from .evaluate import evaluate_member
from .explore_state import (STATE_FILE, check_state, load_state,
                            save_best_model, save_state)
from .long_horizon import LongHorizon
from .population import (broadcast, interval_batches, member_dataloader_cfg,
                         unwrap)
from .report import ExploreReport
from .settings import COOLDOWN_SCHEDULES, check_explore_settings
from .strategies import build_strategy, loss_problem

def cooldown_factor(i: int, n: int, schedule: str = 'linear') -> float:
    """The lr multiplier of cooldown iteration ``i`` of ``n`` (0-based): it
    starts at 1 and reaches 0 after the last iteration.

    linear: 1 - i / n; cosine: (1 + cos(pi i / n)) / 2."""
    if schedule == 'linear':
        return 1.0 - i / n
    if schedule == 'cosine':
        return 0.5 * (1.0 + float(np.cos(np.pi * i / n)))
    raise ValueError(f'cooldown schedule: one of {COOLDOWN_SCHEDULES}, got '
                     f'{schedule!r}')


def not_trained(member: int, error: str, **extra) -> Dict[str, Any]:
    """The result of a member that was not trained this interval."""
    return dict(member=member, ok=False, v=float('nan'), metrics={},
                losses=None, error=error, **extra)


@LOOPS.register_module()
class ExploreLoop(BaseLoop):
    """Train a population of m models with a weight controller (Algorithm 1).

    Selected with ``train_cfg = dict(type='ExploreLoop', max_epochs=...,
    population=8, ...)`` (keys and defaults: ``EXPLORE_KEYS`` in
    settings.py) and ``runner_type = 'ExploreRunner'`` (which spreads the
    members over the processes). The schedule, model, data and evaluator are
    those of an ordinary training config; its first interval is the pseudo
    epoch (all weights 1, gives the initial loss l^1), the T following
    intervals end at checkpoints::

        l_best, v_best = pseudo epoch loss, PQ of the pseudo-epoch model
        for t in 1..T:
            lam = pi(l_best / l^1) / (l_best / l^1)         # Eq. 1
            lam_hat_1..m ~ N(lam, sigma)                     # Eq. 2
            train each member q iterations from M_best^{t-1} with lam_hat_j
            v_j = PQ of member j on the proxy val split (optionally
                  of a copy cooled down first: cooldown_iters)
            r = rewards(v, v_best, t, T)                     # Eqs. 3-5
            REINFORCE step of pi; save pi^t                  # Eq. 6
            M_best^t = argmax_j v_j -> every member; l_best, v_best = its

    With ``long_horizon=dict(members=k, intervals=K)`` the last k members
    keep their window's weights and their own model for K intervals and
    are rewarded within their group at the window's end (long_horizon.py).

    Every member of an interval sees the same batches and random numbers
    (all RNGs are seeded from (seed, t)): rewards compare weights, not luck.
    A member whose sample has a negative entry is not trained and gets -1;
    so does a member whose loss becomes NaN/inf or whose evaluation fails
    (it is replaced by M_best^t like every member). Everything the
    controller depends on is rank 0's (:func:`broadcast`), so processes whose
    arithmetic differs still agree.

    Each member's lambda is set on, and its mean losses read from, the
    model's loss weighting (:attr:`weighting`, which also scales the heads'
    gradients). Hooks see each member's interval as an epoch
    (``before_train_epoch`` .. ``after_train_epoch``) and each checkpoint's
    saved state through ``before_save_checkpoint`` /
    ``after_load_checkpoint``.

    Output in ``work_dir``: ``controller.pth`` (every pi^t; what transfer
    loads), ``explore_log.jsonl`` (one line per checkpoint),
    ``best_model.pth`` (M_best^T), ``explore_state.pth`` (``resume=True``
    continues after the last checkpoint in it; see explore_state.py),
    ``progress.json`` (where the run is), ``loss_weights.png``, ``pq.png``
    and ``learning.png``.

    Args:
        runner (ExploreRunner): The runner.
        dataloader (dict): The train dataloader config (each member's
            dataloader is made from it).
        max_epochs (int, optional): Length of the schedule in epochs.
        max_iters (int, optional): Or in iterations.
        **settings: The exploration's keys (``settings.EXPLORE_KEYS``).
    """

    def __init__(self,
                 runner,
                 dataloader: dict,
                 max_epochs: Optional[int] = None,
                 max_iters: Optional[int] = None,
                 **settings) -> None:
        self.settings = check_explore_settings(settings)
        self.layout = getattr(runner, 'layout', None)
        if self.layout is None:
            raise TypeError("ExploreLoop needs runner_type='ExploreRunner' "
                            '(it lays out the members over the processes): '
                            'build the runner with mmengine.registry.RUNNERS'
                            '.build(cfg), not Runner.from_cfg(cfg)')
        s = self.settings
        self.seed = runner.seed if s['seed'] is None else s['seed']
        super().__init__(
            runner, member_dataloader_cfg(dataloader, self.layout, self.seed))
        if (max_epochs is None) == (max_iters is None):
            raise ValueError('train_cfg: give one of max_epochs, max_iters')
        self._max_iters = max_iters or max_epochs * len(self.dataloader)
        self._max_epochs = max_epochs or 1
        self._iter = self._epoch = 0
        self.interval = s['interval'] or len(self.dataloader)
        intervals = self._max_iters // self.interval
        self.num_checkpoints = s['checkpoints'] or intervals - 1
        if self.num_checkpoints < 1 or self.num_checkpoints + 1 > intervals:
            raise ValueError(
                f'train_cfg: the schedule has {self._max_iters} iterations = '
                f'{intervals} interval(s) of {self.interval}; the pseudo '
                f'epoch + T={self.num_checkpoints} checkpoints need '
                f'{(self.num_checkpoints + 1) * self.interval}')
        accumulate = (runner.cfg.get('optim_wrapper')
                      or {}).get('accumulative_counts', 1)
        if self.interval % accumulate:
            raise ValueError(
                f'optim_wrapper.accumulative_counts ({accumulate}) must '
                f'divide the interval q ({self.interval}): members would '
                'share a partly accumulated gradient')
        self.val_dataloader = runner.build_dataloader(
            member_dataloader_cfg(runner.cfg.val_dataloader, self.layout,
                                  self.seed))
        self.evaluator = runner.build_evaluator(runner.cfg.val_evaluator)
        self.evaluator.dataset_meta = self.val_dataloader.dataset.metainfo
        self.strategy = None  # needs the loss names (patterns: 1st forward)
        self.best_local = None  # (v, member, state) of this group's best
        long = s['long_horizon']
        self.long_horizon = LongHorizon(
            long['members'], long['intervals'], s['population'],
            self.num_checkpoints) if long['members'] else None
        self.long_states = {}  # long member -> its training state (or None
        # once failed) while its window is open
        self.report = ExploreReport(runner, self.num_checkpoints,
                                    s['population'], self.interval,
                                    len(self.layout.my_members))

    @property
    def weighting(self) -> LossWeighting:
        """The model's loss weighting (``LossWeightHook`` adds it at
        ``before_run``): lambda and the interval losses of every member."""
        return unwrap(self.runner.model).loss_weighting

    @property
    def max_epochs(self) -> int:
        return self._max_epochs

    @property
    def max_iters(self) -> int:
        return self._max_iters

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def iter(self) -> int:
        return self._iter

    # -- Algorithm 1 ----------------------------------------------------------
    def run(self) -> torch.nn.Module:
        self.runner.call_hook('before_train')
        self._check_schedulers()
        self.weighting.set_process_group(self.runner.group,
                                         self.layout.group_size > 1)
        self.report.log_plan(
            self.settings, self.weighting.names or self.weighting.patterns,
            len(self.dataloader.dataset), len(self.val_dataloader.dataset),
            self.layout.group_size)
        state = self.resume() if self.runner.cfg.get('resume') else None
        if state is None:
            state = self.pseudo_epoch()  # l^1, M^0 and its PQ
        elif self.long_horizon:
            self.retrain_long_members(state)
        self.load_training_state(state['best_model'])
        for t in range(state['checkpoint'] + 1, self.num_checkpoints + 1):
            loss_weights, samples = broadcast(  # Eqs. 1-2, rank 0's
                self.strategy.propose(t, state))
            if self.long_horizon:  # the long members keep their window's
                if self.long_horizon.starts(t):
                    state['long_window'] = self.long_horizon.open_window(
                        t, state, samples)
                samples = self.long_horizon.samples(samples,
                                                    state['long_window'])
            results = self.train_population(t, samples,
                                            state['best_model'])
            rewards, update = self.learn(t, state, samples, results)
            best = self.best_member(results)
            if best is not None:  # M_best^t to every member
                state.update(best_model=self.broadcast_best(best),
                             l_best=results[best]['losses'],
                             v_best=results[best]['v'],
                             best_loss_weights=samples[best].tolist())
            self.load_training_state(state['best_model'])
            state['checkpoint'] = t
            self.report.add_checkpoint(t, loss_weights, samples, results,
                                       rewards, best, update, state)
            self.save(state)
        self.finish(state)
        self.runner.call_hook('after_train')
        return self.runner.model

    def pseudo_epoch(self) -> Dict[str, Any]:
        """"One pseudo training epoch with all loss weights equal to 1"."""
        self.report.log_pseudo_epoch()
        losses = broadcast(self.train_interval(0, None))  # l^1, rank 0's
        self.strategy = self.strategy or build_strategy(
            self.settings, self.weighting.names, self.num_checkpoints,
            self.seed)
        problem = loss_problem(self.weighting.names, losses)
        if problem:  # no reference loss l^1: nothing to continue from
            raise ValueError(f'pseudo epoch: {problem}')
        v = self.evaluate()[self.settings['metric']]
        # v_best^0 and M^0 too (run() loads M^0 into every model)
        state = broadcast(
            dict(checkpoint=0, l_ref=losses, l_best=losses, v_best=v,
                 best_loss_weights=None, best_model=self.training_state()))
        self.report.add_pseudo_epoch(self.weighting.names, losses,
                                     state['v_best'])
        self.save(state)
        return state

    def train_population(self, t: int, samples: torch.Tensor,
                         start: Dict[str, Any]) -> List[Dict[str, Any]]:
        """Train and evaluate this group's members from M_best^{t-1}; keep
        the best state; every member's result on every process."""
        mine, self.best_local = [], None
        valid = WeightController.is_valid(samples)
        for j in self.layout.my_members:
            if not valid[j]:
                result = not_trained(j, 'negative weight sampled: not trained')
            elif self.long_horizon and self.long_horizon.is_long(j):
                result = self.run_long_member(t, j, samples[j].tolist(),
                                              start)
            else:
                result = self.run_member(t, j, samples[j].tolist(), start)
            if result['ok'] and (self.best_local is None
                                 or result['v'] > self.best_local[0]):
                self.best_local = (result['v'], j, self.training_state())
            mine.append(result)
        # a member's group leader speaks for it
        gathered = all_gather_object(
            mine if self.layout.group_rank == 0 else [])
        results = sorted((r for part in gathered for r in part),
                         key=lambda r: r['member'])
        trained = [r for r in results if (r['losses'] is not None
                                          or r.get('crashed'))
                   and not r.get('pending')]
        if trained and not any(r['ok'] for r in trained):
            raise RuntimeError(
                f'checkpoint {t}: every trained member failed, e.g. member '
                f'{trained[0]["member"] + 1}: {trained[0]["error"]}; the '
                'state after the previous checkpoint is saved: fix the cause '
                'and resume')
        for r in results:
            if r['losses'] is not None:
                r['losses'] = np.asarray(r['losses'], dtype=np.float64)
        return results

    def run_member(self, t: int, j: int, loss_weights: List[float],
                   start: Dict[str, Any],
                   evaluate: bool = True) -> Dict[str, Any]:
        """Member j from M_best^{t-1}: q iterations, then PQ (not with
        ``evaluate=False``: a long member inside its window is ``pending``).

        A member whose loss becomes NaN/inf or negative (Eq. 1 divides by
        the losses and assumes them >= 0), or whose training or evaluation
        raises, is failed: reward -1, and like every member it continues
        from M_best^t. The run goes on (see :meth:`train_population`)."""
        result = dict(member=j, ok=False, v=float('nan'), metrics={},
                      losses=None, error=None)
        self.load_training_state(start)
        self.report.log_member(t, j)
        try:
            losses = self.train_interval(t, loss_weights)
            result['losses'] = losses.tolist()
            problem = loss_problem(self.weighting.names, losses)
            if problem:
                raise FloatingPointError(problem)
            if not evaluate:
                result.update(pending=True, error='pending: long horizon')
                return result
            result['metrics'] = self.evaluate_cooled(t, loss_weights)
            result['v'] = float(result['metrics'][self.settings['metric']])
            if not np.isfinite(result['v']):  # fails this member alone
                raise FloatingPointError(
                    f'{self.settings["metric"]} = {result["v"]} is not '
                    'finite')
            result['ok'] = True
        except Exception as e:  # noqa: B902 a failed member is data
            result['crashed'] = result['losses'] is None
            result['error'] = f'{type(e).__name__}: {e}'
            self.runner.logger.warning(
                f'[explore] checkpoint {t}, member {j + 1} failed '
                f'({result["error"]}): reward -1')
        return result

    def run_long_member(self, t: int, j: int, loss_weights: List[float],
                        start: Dict[str, Any]) -> Dict[str, Any]:
        """A long member's interval t: from M_best^{t-1} at its window's
        start, else from where it stopped; evaluated at the window's end
        only. A member that failed earlier in its window stays failed."""
        if not self.long_horizon.starts(t):
            start = self.long_states.get(j)
            if start is None:
                return not_trained(j, 'failed earlier in its window',
                                   long=True,
                                   pending=not self.long_horizon.ends(t))
        result = self.run_member(t, j, loss_weights, start,
                                 evaluate=self.long_horizon.ends(t))
        self.long_states[j] = self.training_state() \
            if result.get('pending') else None
        return dict(result, long=True)

    def retrain_long_members(self, state: Dict[str, Any]) -> None:
        """After a resume inside a long window: this group's long members
        re-trained from the window's start to the saved checkpoint. Every
        interval is seeded by (seed, t), so they are the models the stopped
        run had (its long members' models are not saved)."""
        pending = self.long_horizon.pending(state)
        if not pending:
            return
        window = state['long_window']
        self.runner.logger.info(
            f'[explore] resume inside a long window: re-training the long '
            f'members over checkpoints {pending[0]}..{pending[-1]}')
        valid = WeightController.is_valid(window['samples'])
        for t in pending:
            for i, j in enumerate(self.long_horizon.members):
                if j in self.layout.my_members and valid[i]:
                    self.run_long_member(t, j, window['samples'][i].tolist(),
                                         window['best_model'])

    def learn(self, t, state, samples, results):
        """Rewards and the Eq. 6 step (pi^t saved), decided by rank 0: its
        controller, rewards and diagnostics are every rank's."""
        v = np.array([r['v'] for r in results], dtype=np.float64)
        valid = np.array([r['ok'] for r in results])
        extra = {} if self.long_horizon is None else {  # ada-segment only
            'long': self.long_horizon.group(t, state['long_window'])}
        rewards, update = self.strategy.learn(t, state, samples, v, valid,
                                              noise=self.noise(results),
                                              **extra)
        rewards, update, controller = broadcast(
            (rewards, update, self.strategy.state_dict()))
        self.strategy.load_state_dict(controller)
        return rewards, update

    def noise(self, results: List[Dict[str, Any]]) -> Optional[float]:
        """The mean standard error of v over the valid members, when the
        metric reports one (``<metric>_se``, PanopticMetric's bootstrap)."""
        key = self.settings['metric'] + '_se'
        se = [r['metrics'].get(key) for r in results if r['ok']]
        if not se or any(x is None for x in se):
            return None
        return float(np.mean(se))

    @staticmethod
    def best_member(results: List[Dict[str, Any]]) -> Optional[int]:
        valid = [r for r in results if r['ok']]
        return max(valid, key=lambda r: r['v'])['member'] if valid else None

    def broadcast_best(self, best: int) -> Dict[str, Any]:
        """M_best^t from the process that trained it to every process."""
        src = self.layout.leader_of(best)
        mine = self.runner.rank == src
        if mine:
            assert self.best_local[1] == best
        return broadcast(self.best_local[2] if mine else None, src)

    # -- one member -----------------------------------------------------------
    def train_interval(self, key: int,
                       loss_weights: Optional[List[float]]) -> np.ndarray:
        """q iterations with the given loss weights; the mean losses."""
        runner, weighting = self.runner, self.weighting
        weighting.set_loss_weights(loss_weights)
        weighting.reset_losses()
        runner.model.train()
        start = time.perf_counter()
        runner.call_hook('before_train_epoch')
        seed_everything(derive_seed(self.seed, key))
        for data_batch in interval_batches(self.dataloader, self.interval,
                                           key):
            runner.call_hook('before_train_iter', batch_idx=self._iter,
                             data_batch=data_batch)
            outputs = runner.model.train_step(
                data_batch, optim_wrapper=runner.optim_wrapper)
            runner.call_hook('after_train_iter', batch_idx=self._iter,
                             data_batch=data_batch, outputs=outputs)
            self._iter += 1
        runner.call_hook('after_train_epoch')
        self._epoch += 1
        self.report.timing['train'] += time.perf_counter() - start
        return weighting.interval_losses()

    def evaluate_cooled(self,
                        t: int,
                        loss_weights: List[float],
                        iters: Optional[int] = None,
                        schedule: Optional[str] = None) -> Dict[str, float]:
        """The member's metrics: right away, or with ``iters`` (default
        ``cooldown_iters``) > 0, those of a copy trained that many more
        iterations with the lr annealed to 0 (:meth:`cooldown`, ``schedule``
        default ``cooldown_schedule``); the member is restored after."""
        s = self.settings
        iters = s['cooldown_iters'] if iters is None else iters
        if not iters:
            return self.evaluate()
        kept = self.training_state()
        try:
            self.cooldown(t, loss_weights, iters,
                          schedule or s['cooldown_schedule'])
            return self.evaluate()
        finally:
            self.load_training_state(kept)

    def cooldown(self, key: int, loss_weights: Optional[List[float]],
                 iters: int, schedule: str = 'linear') -> None:
        """``iters`` more iterations with the lr annealed from its current
        value to 0 (:func:`cooldown_factor`), on the batches of the
        interval ``key + 1``. No hook sees them and the param schedulers do
        not step: the caller evaluates the copy and reloads its member."""
        runner = self.runner
        self.weighting.set_loss_weights(loss_weights)
        groups = runner.optim_wrapper.optimizer.param_groups
        lrs = [g['lr'] for g in groups]
        runner.model.train()
        start = time.perf_counter()
        seed_everything(derive_seed(self.seed, key + 1, 1))
        for i, data_batch in enumerate(
                interval_batches(self.dataloader, iters, key + 1)):
            for g, lr in zip(groups, lrs):
                g['lr'] = lr * cooldown_factor(i, iters, schedule)
            runner.model.train_step(data_batch,
                                    optim_wrapper=runner.optim_wrapper)
        for g, lr in zip(groups, lrs):
            g['lr'] = lr
        self.report.timing['train'] += time.perf_counter() - start

    def evaluate(self) -> Dict[str, float]:
        start = time.perf_counter()
        self.report.log_evaluation(len(self.val_dataloader.dataset))
        metrics = evaluate_member(self.runner.model, self.val_dataloader,
                                  self.evaluator, self.runner.group,
                                  self.layout.group_size)
        self.report.timing['eval'] += time.perf_counter() - start
        if self.settings['metric'] not in metrics:
            raise KeyError(f'train_cfg.metric {self.settings["metric"]!r} '
                           f'is not among the metrics {sorted(metrics)}')
        return metrics

    def training_state(self) -> Dict[str, Any]:
        """Copies of the model, optimizer, lr schedule and counters."""
        runner = self.runner
        return copy.deepcopy(
            dict(model=unwrap(runner.model).state_dict(),
                 optimizer=runner.optim_wrapper.state_dict(),
                 param_schedulers=[
                     s.state_dict() for s in runner.param_schedulers or []
                 ],
                 iter=self._iter,
                 epoch=self._epoch))

    def load_training_state(self, state: Dict[str, Any]) -> None:
        """Make the model, optimizer, schedulers and counters ``state``."""
        runner = self.runner
        unwrap(runner.model).load_state_dict(state['model'])
        runner.optim_wrapper.load_state_dict(copy.deepcopy(state['optimizer']))
        for scheduler, s in zip(runner.param_schedulers or [],
                                state['param_schedulers']):
            scheduler.load_state_dict(copy.deepcopy(s))
        self._iter, self._epoch = state['iter'], state['epoch']
        runner.optim_wrapper.initialize_count_status(runner.model, self._iter,
                                                     self._max_iters)
        runner.optim_wrapper.zero_grad()

    # -- set-up ---------------------------------------------------------------
    def _check_schedulers(self) -> None:
        """Epoch-based schedulers step once per interval: right only if an
        interval is an epoch."""
        schedulers = self.runner.param_schedulers or []
        if isinstance(schedulers, dict):
            raise NotImplementedError(
                'ExploreLoop supports one optimizer (param_scheduler list)')
        by_epoch = any(s.by_epoch for s in schedulers)
        if by_epoch and self.interval != len(self.dataloader):
            raise ValueError(
                f'train_cfg.interval ({self.interval}) differs from an epoch '
                f'({len(self.dataloader)} iterations), so epoch-based param '
                'schedulers would step at the wrong time: set '
                'convert_to_iter_based=True in param_scheduler')

    # -- files ----------------------------------------------------------------
    @property
    def schedule(self) -> Dict[str, int]:
        """What a resumed exploration must share with the saved one: T, the
        interval q (iterations), m, the schedule's length and the long
        horizon, if any."""
        schedule = dict(checkpoints=self.num_checkpoints,
                        interval=self.interval,
                        population=self.layout.population,
                        max_iters=self._max_iters)
        if self.long_horizon:
            schedule['long_horizon'] = dict(
                members=len(self.long_horizon.members),
                intervals=self.long_horizon.intervals)
        return schedule

    def save(self, state: Dict[str, Any]) -> None:
        """Everything to resume after checkpoint t (atomic writes, rank 0):
        the resume state and the strategy's files, then the report's."""
        self.runner.call_hook('before_save_checkpoint', checkpoint=state)
        if is_main_process():
            save_state(self.runner.work_dir, state, self.strategy,
                       strategy_type=self.settings['strategy'],
                       loss_names=self.weighting.names,
                       schedule=self.schedule, history=self.report.history,
                       timing=self.report.timing)
            self.report.save()
        barrier()

    def resume(self) -> Optional[Dict[str, Any]]:
        """The state after the last finished checkpoint, if any."""
        path = osp.join(self.runner.work_dir, STATE_FILE)
        state = load_state(path)
        if state is None:
            self.runner.logger.info(f'resume: no {path} yet; starting afresh')
            return None
        self.runner.call_hook('after_load_checkpoint', checkpoint=state)
        self.weighting.adopt_names(state['loss_names'])  # were patterns
        check_state(path, state, self.weighting.names, self.schedule,
                    self.settings['strategy'])
        self.strategy = self.strategy or build_strategy(
            self.settings, self.weighting.names, self.num_checkpoints,
            self.seed)
        self.strategy.load_state_dict(state['strategy'])
        self.report.restore(state)
        self.runner.logger.info(
            f'resumed from {path} after checkpoint {state["checkpoint"]}/'
            f'{self.num_checkpoints}')
        return state

    def finish(self, state: Dict[str, Any]) -> None:
        """M_best^T to best_model.pth; the report's last lines."""
        if is_main_process():
            save_best_model(self.runner.work_dir,
                            unwrap(self.runner.model).state_dict(),
                            self.dataloader.dataset.metainfo, state)
            self.report.finish(state['v_best'])
        barrier()
