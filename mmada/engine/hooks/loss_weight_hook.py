"""Thin glue between a runner and the loss weighting of its model."""
from numbers import Real
from typing import Any, Dict, Optional, Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmdet.registry import HOOKS, MODELS

from mmada.models.loss_weighting import LossWeighting, add_loss_weighting

#: The library defaults of the settings a hook argument or the config's
#: ``loss_weighting`` dict can give (``losses`` has none: it is required).
DEFAULTS: Dict[str, Any] = dict(
    losses=None, heads=None, head_lr_scaling=True, min_lambda=0.1)


@HOOKS.register_module()
class LossWeightHook(Hook):
    """Give the model a loss weighting rule, log its weights and save and
    load its state.

    The rule (:class:`~mmada.models.LossWeighting` or a subclass from mmdet's
    ``MODELS``: ``GradNormWeighting``, ``UncertaintyWeighting``,
    ``AdaSegmentWeighting`` for policy transfer) becomes
    ``model.loss_weighting``, the one owner of lambda, the interval losses
    and the head scaling; an exploration loop talks to it there. Call
    order::

        __init__          check the arguments; rule = MODELS.build(weighting)
        before_run        settings (see below); rule.set_losses(losses); the
                          model's parse_losses weights the losses (see
                          mmada.models.loss_weighting); head gradients 1/lambda
        before_train      rule.before_train(max_iters, iters_per_epoch)
        after_train_iter  every rule.interval iterations: rule.end_interval()
                          (its new weights are logged as
                          ``loss_weights/<name>`` scalars)
        before_save_checkpoint / after_load_checkpoint
                          checkpoint['loss_weights']: rule.checkpoint_state()

    Settings precedence, one rule for every key (``losses``, ``heads``,
    ``head_lr_scaling``, ``min_lambda``): an argument given to the hook
    (not None) wins; else the key of the config's ``loss_weighting`` dict
    (one per model base config); else the library default (:data:`DEFAULTS`).
    So ``dict(type='LossWeightHook')`` is enough for a config with a
    ``loss_weighting`` dict, and ``head_lr_scaling=False`` on the hook is
    never overridden. Arguments and the rule are checked here, the
    config's keys at ``before_run``.

    Args:
        losses (list[str], optional): Loss names or patterns.
        heads (dict, optional): Loss name -> module prefixes of its head.
        head_lr_scaling (bool, optional): Scale head gradients by 1/lambda
            (library default True).
        min_lambda (float, optional): Clamp of lambda before inverting
            (library default 0.1).
        weighting (dict, optional): The weighting rule, built from mmdet's
            MODELS registry without ``losses`` (the hook gives them), e.g.
            ``dict(type='GradNormWeighting')``. Defaults to
            :class:`LossWeighting` (weights set from outside, e.g. by an
            exploration).
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self,
                 losses: Optional[Sequence[str]] = None,
                 heads: Optional[Dict[str, Sequence[str]]] = None,
                 head_lr_scaling: Optional[bool] = None,
                 min_lambda: Optional[float] = None,
                 weighting: Optional[dict] = None) -> None:
        self.arguments = dict(losses=losses, heads=heads,
                              head_lr_scaling=head_lr_scaling,
                              min_lambda=min_lambda)
        check_settings(self.arguments, 'LossWeightHook.')
        self.weighting = build_weighting(weighting)
        self.settings: Dict[str, Any] = {}  # resolved at before_run
        self.log_interval = 50  # LoggerHook's, read at before_train

    def before_run(self, runner) -> None:
        self.settings = resolve_settings(
            self.arguments, runner.cfg.get('loss_weighting', None) or {})
        self.weighting.set_losses(self.settings['losses'])
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        add_loss_weighting(model, self.weighting)
        if self.settings['head_lr_scaling'] and self.settings['heads']:
            self.weighting.scale_head_gradients(model,
                                                self.settings['heads'],
                                                self.settings['min_lambda'])

    def before_train(self, runner) -> None:
        self.weighting.before_train(
            max_iters=runner.max_iters,
            iters_per_epoch=len(runner.train_dataloader))
        logger = (runner.cfg.get('default_hooks') or {}).get('logger')
        self.log_interval = (logger or {}).get('interval', 50)
        # the optimizer exists now: head factors keep its momentum in step
        self.weighting.attach_optimizer(
            getattr(getattr(runner, 'optim_wrapper', None), 'optimizer',
                    None))

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        weighting = self.weighting
        changed = False
        if weighting.interval and self.every_n_train_iters(
                runner, weighting.interval):
            changed = weighting.end_interval()
        # rules that change the weights every iteration (GradNorm,
        # uncertainty, torchjd's scalarizers) are logged as often as the
        # losses are
        if changed or (weighting.loss_weights is not None
                       and self.every_n_train_iters(runner,
                                                    self.log_interval)):
            runner.visualizer.add_scalars(
                {f'loss_weights/{n}': w
                 for n, w in zip(weighting.names, weighting.loss_weights)},
                step=runner.iter + 1)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['loss_weights'] = self.weighting.checkpoint_state()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('loss_weights')
        if state is not None:
            self.weighting.load_checkpoint_state(state)


def build_weighting(cfg: Optional[dict]) -> LossWeighting:
    """The rule a hook's ``weighting`` names (None: :class:`LossWeighting`).

    Raises:
        TypeError: Not a dict with a ``type``, or not a LossWeighting.
        KeyError: The dict gives ``losses`` (the hook gives them).
    """
    if cfg is None:
        return LossWeighting()
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError('LossWeightHook.weighting must be a dict with'
                        f' a `type`, got {cfg!r}')
    if 'losses' in cfg:
        raise KeyError('LossWeightHook.weighting: no `losses` (give '
                       "them to the hook or the config's "
                       'loss_weighting)')
    weighting = MODELS.build(dict(cfg, losses=None))
    if not isinstance(weighting, LossWeighting):
        raise TypeError(f'LossWeightHook.weighting: {cfg["type"]} is not '
                        'a LossWeighting')
    return weighting


def resolve_settings(arguments: dict, cfg: dict) -> Dict[str, Any]:
    """Each setting from the hook's argument, else the config's
    ``loss_weighting`` key, else :data:`DEFAULTS`.

    Raises:
        KeyError: An unknown key in the config, or no losses at all.
    """
    unknown = set(cfg) - set(DEFAULTS)
    if unknown:
        raise KeyError(f'loss_weighting: unknown keys {sorted(unknown)}; '
                       f'expected {", ".join(DEFAULTS)}')
    check_settings(cfg, 'loss_weighting.')
    settings = {
        key: next((v for v in (arguments[key], cfg.get(key))
                   if v is not None), default)
        for key, default in DEFAULTS.items()
    }
    if not settings['losses']:
        raise KeyError('LossWeightHook: no losses to weight: set the '
                       "config's loss_weighting.losses or the hook's "
                       '`losses`')
    return settings


def check_settings(settings: dict, where: str) -> None:
    """Check the types and values of the settings that are not None.

    Args:
        settings (dict): Some of the keys of :data:`DEFAULTS`.
        where (str): Prefix of the key in the messages.
    """
    losses = settings.get('losses')
    if losses is not None and (isinstance(losses, str) or not losses or
                               not all(isinstance(x, str) for x in losses)):
        raise ValueError(f'{where}losses must be a non-empty list of loss '
                         f'names or patterns, got {losses!r}')
    heads = settings.get('heads')
    if heads is not None and (not isinstance(heads, dict) or not all(
            isinstance(k, str) and not isinstance(v, str)
            and all(isinstance(p, str) for p in v)
            for k, v in heads.items())):
        raise ValueError(f'{where}heads must be a dict loss name -> list of '
                         f'module prefixes, got {heads!r}')
    scaling = settings.get('head_lr_scaling')
    if scaling is not None and not isinstance(scaling, bool):
        raise TypeError(f'{where}head_lr_scaling must be a bool, got '
                        f'{scaling!r}')
    min_lambda = settings.get('min_lambda')
    if min_lambda is not None and (isinstance(min_lambda, bool) or
                                   not isinstance(min_lambda, Real)
                                   or not min_lambda > 0):
        raise ValueError(f'{where}min_lambda must be a number > 0, got '
                         f'{min_lambda!r}')

