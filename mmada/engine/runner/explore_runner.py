"""Ada-Segment's automated exploration and adaptation (Algorithm 1)."""
import copy
import os.path as osp
import time
from typing import Any, Dict, List, Optional

import numpy as np
import torch
from mmengine.dist import (all_gather_object, broadcast_object_list,
                           get_dist_info, is_main_process)
from mmengine.runner import Runner
from mmdet.registry import RUNNERS

from mmada.controller import WeightController
from mmada.engine.hooks import LossWeightHook
from mmada.utils import derive_seed, load_checkpoint_file, seed_everything
from mmada.utils.faults import fault_point
from .evaluate import evaluate_member
from .population import (MemberLayout, capture_state,
                         interval_batches, restore_state)
from .report import ExploreReport
from .strategies import AdaSegmentStrategy, PBTStrategy

EXPLORE_KEYS = dict(
    strategy='ada-segment',  # or 'pbt' (Baseline-P: no controller)
    population=8,  # m
    checkpoints=None,  # T; default: intervals in the schedule - 1
    interval=None,  # q iterations; default: one epoch
    sigma=0.2,  # Eq. 2
    reward='local+imp',  # Eq. 5, or 'local' (the reward ablation)
    # ada_segment_rewards' baseline / std_floor; dict(baseline='none',
    # std_floor=0.0) is the paper read literally (PAPER_REWARD)
    reward_cfg=dict(),
    controller=dict(),  # WeightController kwargs (hidden, lr, ...)
    seed=None,  # default: the runner's seed
    metric='coco_panoptic/PQ')  # the reward's v


@RUNNERS.register_module()
class ExploreRunner(Runner):
    """Train a population of m models with a weight controller (Algorithm 1).

    Selected with ``runner_type = 'ExploreRunner'``; configured by the
    config's ``explore`` dict (keys and defaults in ``EXPLORE_KEYS``). The
    schedule, model, data and evaluator are those of an ordinary training
    config; its first interval is the pseudo epoch (all weights 1, gives the
    initial loss l^1), the T following intervals end at checkpoints::

        l_best, v_best = pseudo epoch loss, PQ of the pseudo-epoch model
        for t in 1..T:
            lam = pi(l_best / l^1) / (l_best / l^1)         # Eq. 1
            lam_hat_1..m ~ N(lam, sigma)                     # Eq. 2
            train each member q iterations from M_best^{t-1} with lam_hat_j
            v_j = PQ of member j on the proxy val split
            r = rewards(v, v_best, t, T)                     # Eqs. 3-5
            REINFORCE step of pi; save pi^t                  # Eq. 6
            M_best^t = argmax_j v_j -> every member; l_best, v_best = its

    Every member of an interval sees the same batches and random numbers
    (all RNGs are seeded from (seed, t)): rewards compare weights, not luck.
    A member whose sample has a negative entry is not trained and gets -1;
    so does a member whose loss becomes NaN/inf or whose evaluation fails
    (it is replaced by M_best^t like every member).

    Output in ``work_dir``: ``controller.pth`` (every pi^t; what transfer
    loads), ``explore_log.jsonl`` (one line per checkpoint),
    ``best_model.pth`` (M_best^T), ``explore_state.pth`` (resume),
    ``lambda.png`` and ``pq.png``.
    """

    # -- configuration ---------------------------------------------------------
    @staticmethod
    def _check_settings(settings: Dict[str, Any]) -> Dict[str, Any]:
        unknown = sorted(set(settings) - set(EXPLORE_KEYS))
        if unknown:
            raise KeyError(f'explore: unknown keys {unknown}; expected '
                           f'{sorted(EXPLORE_KEYS)}')
        s = {**EXPLORE_KEYS, **settings}
        if not isinstance(s['population'], int) or s['population'] < 2:
            raise ValueError('explore.population must be an integer >= 2 '
                             '(rewards compare members), got '
                             f'{s["population"]!r}')
        if not s['sigma'] > 0:
            raise ValueError(f'explore.sigma must be > 0, got {s["sigma"]}')
        if s['checkpoints'] is not None and s['checkpoints'] < 1:
            raise ValueError('explore.checkpoints (T) must be >= 1, got '
                             f'{s["checkpoints"]}')
        if s['interval'] is not None and s['interval'] < 1:
            raise ValueError('explore.interval (q) must be >= 1, got '
                             f'{s["interval"]}')
        if s['strategy'] not in ('ada-segment', 'pbt'):
            raise ValueError("explore.strategy must be 'ada-segment' or "
                             f"'pbt', got {s['strategy']!r}")
        if s['reward'] not in ('local+imp', 'local'):
            raise ValueError("explore.reward must be 'local+imp' or 'local', "
                             f'got {s["reward"]!r}')
        return s

    def register_hooks(self, default_hooks=None, custom_hooks=None) -> None:
        """As Runner's, without CheckpointHook: members are not checkpoints;
        the runner saves its own state after every checkpoint t."""
        default_hooks = dict(default_hooks or {}, checkpoint=None)
        super().register_hooks(default_hooks, custom_hooks)

    def wrap_model(self, model_wrapper_cfg, model):
        """Members are trained alone (no DDP over the world: its other ranks
        train other members) or data-parallel over their own group.

        Runner.__init__ calls this once the processes are up: it is also
        where the population is laid out over the ranks.
        """
        self.settings = self._check_settings(self.cfg.get('explore') or {})
        rank, world_size = get_dist_info()
        self.layout = MemberLayout(self.settings['population'], world_size,
                                   rank)
        self.group = None
        if self.layout.group_size == 1:
            from mmengine.device import get_device
            return model.to(get_device())
        groups = [  # a collective call: every rank creates every group
            torch.distributed.new_group(ranks)
            for ranks in self.layout.group_ranks
        ]
        self.group = groups[self.layout.group_index]
        cfg = copy.deepcopy(model_wrapper_cfg or dict(
            type='MMDistributedDataParallel', broadcast_buffers=False))
        cfg['process_group'] = self.group
        return super().wrap_model(cfg, model)

    # -- Algorithm 1 --------------------------------------------------------------
    def train(self) -> torch.nn.Module:
        self._setup()
        state = self._load_state() if self._resume else None
        if state is None:
            state = self._pseudo_epoch()  # l^1, M^0 and its PQ
        restore_state(self, state['member'])
        for t in range(state['checkpoint'] + 1, self.num_checkpoints + 1):
            lam, samples = self._from_rank0(  # Eqs. 1-2
                self.strategy.propose(t, state))
            results = self._train_population(t, samples, state['member'])
            v = np.array([r['v'] for r in results], dtype=np.float64)
            valid = np.array([r['ok'] for r in results])
            rewards, update = self._learn(t, state, samples, v, valid)
            fault_point('controller_update')
            best = int(np.argmax(np.where(valid, v, -np.inf))) \
                if valid.any() else None
            if best is not None:  # M_best^t to every member
                self.strategy.record_best(samples[best])
                state.update(member=self._broadcast_best(best),
                             l_best=results[best]['losses'],
                             v_best=float(v[best]),
                             lam_best=samples[best].tolist())
            restore_state(self, state['member'])
            state['checkpoint'] = t
            self.report.add_checkpoint(t, lam, samples, results, rewards, best,
                                       update, state)
            self._save_state(state)
            fault_point('checkpoint_saved')
        self._finish(state)
        return self.model

    # -- one source of truth ---------------------------------------------------
    def _from_rank0(self, value: Any) -> Any:
        """Rank 0's ``value`` on every process. Everything the controller
        and the rewards depend on goes through here (or through the best
        member's broadcast), so ranks whose arithmetic differs (GPUs are not
        bit-deterministic) still hold the same values."""
        return self._broadcast(value, src=0)

    def _broadcast(self, value: Any, src: int) -> Any:
        """Rank ``src``'s ``value`` on every process."""
        if self.world_size == 1:
            return value
        payload = [value]
        broadcast_object_list(payload, src=src)
        return payload[0]

    def _learn(self, t, state, samples, v, valid):
        """Rewards and the Eq. 6 step (pi^t saved), decided by rank 0: its
        controller, rewards and diagnostics are every rank's."""
        rewards, update = self.strategy.learn(t, state, samples, v, valid)
        rewards, update, controller = self._from_rank0(
            (rewards, update, self.strategy.state_dict()))
        if self.rank != 0:
            self.strategy.load_state_dict(controller)
        return rewards, update

    # -- steps ----------------------------------------------------------------------
    def _setup(self) -> None:
        """What Runner.train does before its loop, plus the population's
        data, evaluator, controller and report."""
        s = self.settings
        self.seed_ = s['seed'] if s['seed'] is not None else self.seed
        # the train loop's dataloader is the member's: the schedule (and
        # epoch-to-iteration conversions) follow the data a member sees
        self._train_dataloader = self._member_dataloader_cfg(
            self._train_dataloader)
        self._train_loop = self.build_train_loop(self._train_loop)
        self.optim_wrapper = self.build_optim_wrapper(self.optim_wrapper)
        self.scale_lr(self.optim_wrapper, self.auto_scale_lr)
        if self.param_schedulers is not None:
            self.param_schedulers = self.build_param_scheduler(
                self.param_schedulers)
        if isinstance(self.param_schedulers, dict):
            raise NotImplementedError(
                'ExploreRunner supports one optimizer (param_scheduler list)')
        self.train_data = self.train_loop.dataloader
        self.val_data = self.build_dataloader(
            self._member_dataloader_cfg(self._val_dataloader), seed=None)
        self.evaluator = self.build_evaluator(self._val_evaluator)
        self.evaluator.dataset_meta = self.val_data.dataset.metainfo
        self.loss_hook = self._loss_hook()
        self.loss_hook.group = self.group
        self.loss_hook.data_parallel = self.layout.group_size > 1
        self.interval = s['interval'] or len(self.train_data)
        intervals = self.max_iters // self.interval
        self.num_checkpoints = s['checkpoints'] or intervals - 1
        if self.num_checkpoints < 1 or self.num_checkpoints + 1 > intervals:
            raise ValueError(
                f'explore: the schedule has {self.max_iters} iterations = '
                f'{intervals} interval(s) of {self.interval}; the pseudo '
                f'epoch + T={self.num_checkpoints} checkpoints need '
                f'{(self.num_checkpoints + 1) * self.interval}')
        self._check_schedulers()
        self.call_hook('before_run')
        self._init_model_weights()
        self.call_hook('before_train')
        self.strategy = self._build_strategy() \
            if self.loss_hook.weighting.names else None
        self.report = ExploreReport(self, self.num_checkpoints)
        self.report.log_plan()

    def _build_strategy(self):
        s = self.settings
        if s['strategy'] == 'pbt':
            return PBTStrategy(self.loss_hook.names, s['population'],
                               self.seed_)
        return AdaSegmentStrategy(self.loss_hook.names, s['population'],
                                  self.num_checkpoints, s['sigma'],
                                  self.seed_, s['reward'], s['controller'],
                                  s['reward_cfg'])

    def _member_dataloader_cfg(self, cfg):
        """A dataloader sharded over the member's group, seeded explicitly
        (the same on every process), with epoch-dependent worker seeds."""
        cfg = copy.deepcopy(cfg)
        sampler = cfg.get('sampler') or dict(type='DefaultSampler')
        cfg['sampler'] = dict(
            type='GroupSampler',
            shuffle=sampler.get('shuffle', True),
            round_up=sampler.get('round_up', True),
            seed=self.seed_,
            rank=self.layout.group_rank,
            world_size=self.layout.group_size)
        cfg.setdefault('worker_init_fn', dict(type='seed_worker'))
        return cfg

    def _loss_hook(self) -> LossWeightHook:
        hooks = [h for h in self.hooks if isinstance(h, LossWeightHook)]
        if len(hooks) > 1:
            raise ValueError('ExploreRunner: more than one LossWeightHook')
        if hooks:
            return hooks[0]
        hook = LossWeightHook()
        self.register_hook(hook)
        return hook

    def _check_schedulers(self) -> None:
        """Every interval is run as an epoch (epoch hooks are called around
        it), so epoch-based schedulers are right only if an interval is an
        epoch."""
        by_epoch = any(s.by_epoch for s in self.param_schedulers or [])
        if by_epoch and self.interval != len(self.train_data):
            raise ValueError(
                f'explore.interval ({self.interval}) differs from an epoch '
                f'({len(self.train_data)} iterations), so epoch-based param '
                'schedulers would step at the wrong time: set '
                'convert_to_iter_based=True in param_scheduler')

    def _pseudo_epoch(self) -> Dict[str, Any]:
        """"One pseudo training epoch with all loss weights equal to 1"."""
        self.report.log('pseudo epoch: all loss weights 1')
        losses = self._train_interval(0, None)
        if self.strategy is None:  # loss names were patterns
            self.strategy = self._build_strategy()
        losses = self._from_rank0(losses)  # l^1: rank 0's on every rank
        problem = self._loss_problem(losses)
        if problem:  # no reference loss l^1: nothing to continue from
            raise ValueError(f'pseudo epoch: {problem}')
        v = self._evaluate()[self.settings['metric']]
        # v_best^0 and M^0 too (train() restores M^0 into every model)
        state = self._from_rank0(
            dict(checkpoint=0, l_ref=losses, l_best=losses, v_best=v,
                 lam_best=None, member=capture_state(self)))
        self.report.add_pseudo_epoch(losses, state['v_best'])
        self._save_state(state)
        return state

    def _train_population(self, t: int, samples: torch.Tensor,
                          start: Dict[str, Any]) -> List[Dict[str, Any]]:
        """Train and evaluate this group's members from M_best^{t-1}; keep
        the best state; gather every member's result on every process."""
        mine, self._best_local = [], None
        valid = WeightController.is_valid(samples)
        for j in self.layout.my_members:
            if valid[j]:
                result = self._run_member(t, j, samples[j].tolist(), start)
            else:
                result = dict(member=j, ok=False, v=float('nan'), metrics={},
                              losses=None,
                              error='negative weight sampled: not trained')
            if result['ok'] and (self._best_local is None
                                 or result['v'] > self._best_local[0]):
                self._best_local = (result['v'], j, capture_state(self))
            mine.append(result)
        if self.world_size > 1:  # a member's group leader speaks for it
            gathered = all_gather_object(
                mine if self.layout.group_rank == 0 else [])
        else:
            gathered = [mine]
        results = sorted((r for part in gathered for r in part),
                         key=lambda r: r['member'])
        trained = [r for r in results if r['losses'] is not None
                   or r.get('crashed')]
        if trained and not any(r['ok'] for r in trained):
            raise RuntimeError(
                f'checkpoint {t}: every trained member failed, e.g. member '
                f'{trained[0]["member"] + 1}: {trained[0]["error"]}; the '
                'state after the previous checkpoint is saved: fix the cause '
                'and --resume')
        for r in results:
            if r['losses'] is not None:
                r['losses'] = np.asarray(r['losses'], dtype=np.float64)
        return results

    def _run_member(self, t: int, j: int, weights: List[float],
                    start: Dict[str, Any]) -> Dict[str, Any]:
        """Member j from M_best^{t-1}: q iterations, then PQ.

        A member whose loss becomes NaN/inf or negative (Eq. 1 divides by
        the losses and assumes them >= 0), or whose training or evaluation
        raises, is failed: reward -1, and like every member it continues
        from M_best^t. The run goes on (see ``_train_population``)."""
        result = dict(member=j, ok=False, v=float('nan'), metrics={},
                      losses=None, error=None)
        restore_state(self, start)
        self.report.log_member(t, j)
        try:
            losses = self._train_interval(t, weights)
            result['losses'] = losses.tolist()
            problem = self._loss_problem(losses)
            if problem:
                raise FloatingPointError(problem)
            result['metrics'] = self._evaluate()
            result['v'] = float(result['metrics'][self.settings['metric']])
            result['ok'] = True
        except Exception as e:  # noqa: B902 a failed member is data
            result['crashed'] = result['losses'] is None
            result['error'] = f'{type(e).__name__}: {e}'
            self.logger.warning(f'[explore] checkpoint {t}, member {j + 1} '
                                f'failed ({result["error"]}): reward -1')
        return result

    def _loss_problem(self, losses: np.ndarray) -> Optional[str]:
        """Why a mean loss vector cannot be the controller's state."""
        names = self.loss_hook.names
        bad = [f'{n}={v:.4g}' for n, v in zip(names, losses)
               if not np.isfinite(v) or v < 0]
        if bad:
            return ('losses must be finite and >= 0 (Eq. 1 divides by '
                    f'them), got {", ".join(bad)}')
        return None

    def _train_interval(self, key: int, weights: Optional[List[float]]):
        """q iterations with the given weights; returns the mean loss."""
        hook = self.loss_hook
        hook.set_weights(weights)
        hook.reset_losses()
        self.model.train()
        start = time.perf_counter()
        self.call_hook('before_train_epoch')
        seed_everything(derive_seed(self.seed_, key))
        for data_batch in interval_batches(self.train_data, self.interval,
                                           key):
            fault_point('train_iter')
            idx = self.train_loop._iter
            self.call_hook('before_train_iter', batch_idx=idx,
                           data_batch=data_batch)
            outputs = self.model.train_step(
                data_batch, optim_wrapper=self.optim_wrapper)
            self.call_hook('after_train_iter', batch_idx=idx,
                           data_batch=data_batch, outputs=outputs)
            self.train_loop._iter += 1
        self.call_hook('after_train_epoch')
        self.train_loop._epoch += 1
        self.report.timing['train'] += time.perf_counter() - start
        return hook.interval_losses()

    def _evaluate(self) -> Dict[str, float]:
        start = time.perf_counter()
        self.report.log(f'evaluating on {len(self.val_data.dataset)} proxy '
                        'val images')
        metrics = evaluate_member(self.model, self.val_data, self.evaluator,
                                  self.group, self.layout.group_size)
        self.report.timing['eval'] += time.perf_counter() - start
        if self.settings['metric'] not in metrics:
            raise KeyError(f'explore.metric {self.settings["metric"]!r} is '
                           f'not among the metrics {sorted(metrics)}')
        return metrics

    def _broadcast_best(self, best: int) -> Dict[str, Any]:
        """M_best^t from the process that trained it to every process."""
        src = self.layout.leader_of(best)
        if self.rank == src:
            assert self._best_local[1] == best
        return self._broadcast(
            self._best_local[2] if self.rank == src else None, src)

    # -- files ------------------------------------------------------------------
    @property
    def state_file(self) -> str:
        return osp.join(self.work_dir, 'explore_state.pth')

    def _save_state(self, state: Dict[str, Any]) -> None:
        """Everything to resume after checkpoint t (atomic writes, rank 0)."""
        if is_main_process():
            self.report.save(state, self.strategy)
        self._barrier()

    def _barrier(self) -> None:
        if self.world_size > 1:
            torch.distributed.barrier()

    def _load_state(self) -> Optional[Dict[str, Any]]:
        """The state after the last finished checkpoint, if any."""
        path = self._load_from or self.state_file
        if not osp.isfile(path):
            self.logger.info(f'--resume: no {path} yet; starting afresh')
            return None
        state = load_checkpoint_file(path, map_location='cpu')
        hook = self.loss_hook
        if self.strategy is None:  # patterns, resolved by that run
            hook.adopt_names(state['loss_names'])
            self.strategy = self._build_strategy()
        if state['loss_names'] != hook.weighting.names:
            raise ValueError(f'{path}: made for the losses '
                             f'{state["loss_names"]}, this config weights '
                             f'{hook.weighting.names}')
        if state['strategy_type'] != self.settings['strategy']:
            raise ValueError(f'{path}: made by explore.strategy='
                             f'{state["strategy_type"]!r}, this config has '
                             f'{self.settings["strategy"]!r}')
        self.strategy.load_state_dict(state['strategy'])
        self.report.load(state)
        self.logger.info(f'resumed from {path} after checkpoint '
                         f'{state["checkpoint"]}/{self.num_checkpoints}')
        return state

    def _finish(self, state: Dict[str, Any]) -> None:
        if is_main_process():
            self.report.finish(state)
        self._barrier()
        self.call_hook('after_train')
        self.call_hook('after_run')
