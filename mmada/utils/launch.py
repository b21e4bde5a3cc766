"""What every mmada tool does between parsing its arguments and building a
runner: load the config, apply the flags mmdet's tools have, check the heads'
class counts and local files, and make torch.distributed work without GPUs
(gloo). Nothing here is needed to run a config: the datasets prepare their
own data, so ``Runner.from_cfg`` and mmdet's tools run mmada configs too."""
import argparse
import os
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config, DictAction


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Flags shared by tools/train.py, tools/test.py and tools/explore.py."""
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (as in mmdet)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args: argparse.Namespace) -> Config:
    """Load ``args.config`` and apply the common flags.

    Sets ``work_dir`` (CLI > config > ``work_dirs/<config name>``), the
    launcher, ``--cfg-options``, checks the heads' class counts against the
    datasets' classes and that pretrained backbone files exist, and prepares
    CPU distributed runs.
    """
    from mmada.datasets import check_num_classes
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(getattr(args, 'local_rank', 0))
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file {args.config} not found')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    setup_distributed(cfg)
    check_num_classes(cfg)
    check_pretrained_files(cfg.get('model', {}))
    return cfg


def enable_amp(cfg: Config) -> None:
    """``--amp``: mmengine's AmpOptimWrapper asserts a GPU, so say it first."""
    if not torch.cuda.is_available():
        raise RuntimeError('--amp needs a CUDA GPU (mmengine\'s '
                           'AmpOptimWrapper); none is available here')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.loss_scale = 'dynamic'


def apply_resume(cfg: Config, resume: Optional[str]) -> None:
    """``--resume`` as in mmdet: no value = latest checkpoint in work_dir."""
    if resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif resume is not None:
        cfg.resume = True
        cfg.load_from = resume


def setup_distributed(cfg: Config) -> None:
    """Let ``--launcher pytorch|slurm`` run on machines without GPUs.

    mmengine's ``init_dist`` calls ``torch.cuda.set_device`` unconditionally
    and its runner wraps the model in DDP with ``device_ids``; both fail on a
    CPU-only torch. Without CUDA we initialise the process group ourselves
    with the gloo backend (mmengine then skips ``init_dist``) and wrap the
    model with ``device_ids=None``.
    """
    if cfg.launcher == 'none' or torch.cuda.is_available():
        return
    import torch.distributed as dist
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    if cfg.launcher == 'slurm':
        _slurm_env()
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def _slurm_env() -> None:
    """The env:// variables from Slurm's, as mmengine's slurm launcher."""
    import subprocess
    os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
    os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
    os.environ.setdefault('LOCAL_RANK', os.environ.get('SLURM_LOCALID', '0'))
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        node_list = os.environ['SLURM_NODELIST']
        os.environ['MASTER_ADDR'] = subprocess.getoutput(
            f'scontrol show hostname {node_list} | head -n1')


def check_pretrained_files(model_cfg, key: str = 'model') -> None:
    """Fail early, naming the key, when a Pretrained init_cfg names a local
    file that does not exist (nothing is downloaded on our machines)."""
    if isinstance(model_cfg, dict):
        init_cfg = model_cfg.get('init_cfg')
        for i, init in enumerate(
                init_cfg if isinstance(init_cfg, list) else [init_cfg]):
            if not isinstance(init, dict) or init.get('type') != 'Pretrained':
                continue
            path = init.get('checkpoint', '')
            if '://' not in path and not osp.isfile(path):
                raise FileNotFoundError(
                    f'{key}.init_cfg.checkpoint: pretrained weights {path!r} '
                    'not found; put the ImageNet-pretrained file there, or '
                    f'train from scratch with --cfg-options {key}.init_cfg='
                    'None')
        for k, v in model_cfg.items():
            if k != 'init_cfg':
                check_pretrained_files(v, f'{key}.{k}')
    elif isinstance(model_cfg, (list, tuple)):
        for i, v in enumerate(model_cfg):
            check_pretrained_files(v, f'{key}[{i}]')


def build_runner(cfg: Config):
    """``Runner.from_cfg`` or, with ``runner_type``, the registered runner
    (looked up in mmdet's registry, where mmada registers its runners)."""
    from mmdet.registry import RUNNERS
    from mmengine.runner import Runner
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    return RUNNERS.build(cfg)
