"""Baseline-BOHB: static loss weights searched by Optuna (the paper's Table 6
"BOHB" row; Falkner et al., ICML 2018: TPE-like model-based sampling with
Hyperband's early stopping).

    python tools/analysis/bohb_search.py CONFIG --out DIR \\
        [--budget-iters 4462] [--seed 0] [--cfg-options ...]

CONFIG trains with ``LossWeightHook`` + ``StaticWeighting`` (e.g.
``configs/baselines/static-weights_tiny_1xb4-cos-6e_synthetic-panoptic-scenes.py``):
every trial trains it from scratch with the trial's weights and the seed
``--seed``, validates on its val split (the proxy val split) every
``--val-every`` epochs and reports PQ to Optuna, whose ``HyperbandPruner``
stops the trials that fall behind (``optuna.TrialPruned`` raised from a
hook). Optuna's ``TPESampler`` proposes the weights. No search code of our
own: the tool only turns a trial into a training and back.

Choices (documented in configs/baselines/README.md):

* Search space: four group weights in log space, each in [1/4, 4]: the
  three stages' ``loss_cls``, their ``loss_bbox``, their ``loss_mask`` and
  ``loss_seg`` (10 losses in 4 groups; the grid has 2 groups). Applied as
  Ada-Segment applies lambda (the heads' gradients at 1/lambda).
* Budget: training iterations, summed over trials (a pruned trial counts
  the iterations it ran); a trial is started while the budget has room for
  a full one's first rung. The default 4462 is one m = 8, T = 12
  exploration's (8 members x 12 intervals x 46 + the pseudo epoch's 46).
* Hyperband: min resource ``--val-every`` epochs, max the schedule's,
  reduction factor 3 (Optuna's default).
* Resume: the study is an SQLite file (``DIR/study.db``); a trial that was
  running when the tool stopped is marked failed (its iterations up to
  its last validation are counted) and the search goes on; the sampler is
  seeded again, so a resumed search proposes other points than an
  uninterrupted one would. The result is ``DIR/best.json``: the best
  completed trial's weights (per group, and one per loss in the order of
  the config's ``loss_weighting.losses``), its val PQ, the trials and
  iterations used.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

import optuna
from mmengine.config import DictAction
from mmengine.hooks import Hook

#: The four groups of the search space and the losses of each.
GROUPS = dict(cls='s?.loss_cls', bbox='s?.loss_bbox', mask='s?.loss_mask',
              seg='loss_seg')
LOW, HIGH = 0.25, 4.0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--out', '--work-dir', dest='out', required=True,
                        help='the study and trials')
    parser.add_argument('--budget-iters', type=int, default=4462)
    parser.add_argument('--seed', type=int, default=0,
                        help='training seed of every trial, and the '
                        "sampler's")
    parser.add_argument('--val-every', type=int, default=2,
                        help='epochs between validations (Hyperband rungs)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={})
    return parser.parse_args(argv)


def group_weights(params: dict) -> dict:
    """A trial's parameters as StaticWeighting's ``loss_weights``."""
    return {GROUPS[g]: float(params[g]) for g in GROUPS}


class ReportHook(Hook):
    """Reports each validation's PQ to the trial; prunes if told to."""
    priority = 'LOWEST'

    def __init__(self, trial: optuna.Trial) -> None:
        self.trial = trial
        self.last = None  # the last validation's PQ

    def after_val_epoch(self, runner, metrics=None) -> None:
        pq = (metrics or {}).get('coco_panoptic/PQ')
        if pq is None:
            raise KeyError('bohb_search: the validation gave no '
                           'coco_panoptic/PQ')
        self.last = float(pq)
        self.trial.set_user_attr('iters', runner.iter)
        self.trial.report(self.last, runner.epoch)
        if self.trial.should_prune():
            raise optuna.TrialPruned()


def train_trial(args, trial: optuna.Trial) -> float:
    """Train CONFIG with the trial's weights; the last validation's PQ."""
    from mmada.utils.launch import build_runner, load_config
    params = {g: trial.suggest_float(g, LOW, HIGH, log=True) for g in GROUPS}
    ns = argparse.Namespace(
        config=args.config,
        work_dir=osp.join(args.out, f'trial{trial.number}'),
        launcher='none', local_rank=0,
        cfg_options=dict(args.cfg_options, **{
            'randomness.seed': args.seed,
            'train_cfg.val_interval': args.val_every,
            'default_hooks.checkpoint.interval': 10**6,
        }))
    cfg = load_config(ns)
    rule = cfg.custom_hooks[-1].get('weighting', {})
    if rule.get('type') != 'StaticWeighting':
        raise KeyError(f'{args.config}: the last custom hook must be a '
                       'LossWeightHook with weighting StaticWeighting')
    rule['loss_weights'] = group_weights(params)
    runner = build_runner(cfg)
    report = ReportHook(trial)
    runner.register_hook(report)
    trial.set_user_attr('iters', 0)
    runner.train()
    trial.set_user_attr('iters', runner.iter)
    if report.last is None:
        raise RuntimeError(f'bohb_search: trial {trial.number} ended without '
                           'a validation (train_cfg.val_interval)')
    return report.last


def iterations_used(study: optuna.Study) -> int:
    return sum(t.user_attrs.get('iters', 0) for t in study.trials)


def search(args) -> dict:
    os.makedirs(args.out, exist_ok=True)
    storage = f'sqlite:///{osp.abspath(osp.join(args.out, "study.db"))}'
    # Optuna's own TPE sampler and Hyperband pruner, default settings but
    # the resources (epochs) and the seed
    max_epochs = _max_epochs(args)
    study = optuna.create_study(
        study_name='bohb', storage=storage, load_if_exists=True,
        direction='maximize',
        sampler=optuna.samplers.TPESampler(seed=args.seed),
        pruner=optuna.pruners.HyperbandPruner(
            min_resource=args.val_every, max_resource=max_epochs))
    for t in study.get_trials(states=(optuna.trial.TrialState.RUNNING, )):
        study.tell(t.number, state=optuna.trial.TrialState.FAIL)  # resume
    iters_per_epoch = _iters_per_epoch(args)
    first_rung = args.val_every * iters_per_epoch
    start = time.time()
    while iterations_used(study) + first_rung <= args.budget_iters:
        trial = study.ask()
        try:
            value = train_trial(args, trial)
        except optuna.TrialPruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, value)
        print(f'[bohb] trial {trial.number}: {study.trials[-1].state.name}'
              f', iterations {iterations_used(study)}/{args.budget_iters}',
              flush=True)
    done = [t for t in study.trials
            if t.state == optuna.trial.TrialState.COMPLETE]
    if not done:
        sys.exit(f'bohb_search: no trial completed within --budget-iters '
                 f'{args.budget_iters}')
    best = max(done, key=lambda t: t.value)
    losses = _losses(args)
    result = dict(
        losses=losses, loss_weights=per_loss(best.params, losses),
        group_weights=group_weights(best.params),
        val_PQ=best.value, trial=best.number, trials=len(study.trials),
        completed=len(done), iters=iterations_used(study),
        budget_iters=args.budget_iters, seconds_this_run=time.time() - start)
    path = osp.join(args.out, 'best.json')
    with open(path + '.tmp', 'w') as f:
        json.dump(result, f, indent=1)
    os.replace(path + '.tmp', path)
    print(json.dumps(result))
    return result


def per_loss(params: dict, losses) -> list:
    """The group weights as one weight per loss (StaticWeighting's list
    form, e.g. for ``--cfg-options``)."""
    import fnmatch
    weights = group_weights(params)
    return [
        next((w for p, w in weights.items() if fnmatch.fnmatchcase(n, p)),
             1.0) for n in losses
    ]


def _losses(args) -> list:
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    return list(cfg.loss_weighting.losses)


def _max_epochs(args) -> int:
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    return int(cfg.train_cfg.max_epochs)


def _iters_per_epoch(args) -> int:
    """Iterations per epoch of CONFIG's train loader (its dataset built)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmdet.registry import DATASETS
    import mmada  # noqa: F401
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    init_default_scope('mmdet')
    loader = cfg.train_dataloader
    n = len(DATASETS.build(loader.dataset))
    return -(-n // loader.batch_size)


if __name__ == '__main__':
    search(parse_args())
