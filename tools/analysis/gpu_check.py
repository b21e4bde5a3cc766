"""Check a CUDA install of mmada with one command; prints one table.

    python tools/analysis/gpu_check.py [--iters 20] [--rounds 3] [--warmup 5]
        [--work-dir work_dirs/gpu_check]
    python tools/analysis/gpu_check.py --device cpu   # tiny, on the CPU

Run from the repo root. On the GPU it checks:

1. ops parity: mmcv's compiled RoIAlign, NMS and modulated deformable conv
   on CUDA against their CPU kernels (max abs difference; NMS: the same
   boxes kept);
2. step times: ``train_step`` of the R-50 and R-101-DCN cascade configs
   (random init instead of the ImageNet file) on batches of the built-in
   dataset, plain and with mmada's loss weighting, and the peak GPU memory
   (``benchmark_speed.step_times``);
3. a short exploration (m=4, T=2, q=10: ``benchmark_explore.explore``): wall
   time, the share outside member training and evaluation, failed members.

``--device cpu`` runs the same on the CPU, small: parity against float64 on
the CPU (NMS skipped: mmcv's CPU kernel is float32 only), the tiny config's
step, an exploration with m=2, T=2, q=4 on 32 images. Without a visible GPU
and without ``--device cpu`` it stops with a one-line message; it exits
non-zero if a check fails.
"""
import argparse
import json
import os
import os.path as osp
import sys

import torch
from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import benchmark_explore  # noqa: E402
import benchmark_speed  # noqa: E402

CONFIGS = {
    'R-50': 'configs/cascade_panoptic_fpn/'
    'cascade-panoptic-fpn_r50_fpn_8xb2-cos-1x_coco-panoptic.py',
    'R-101-DCN': 'configs/cascade_panoptic_fpn/'
    'cascade-panoptic-fpn_r101-dcn_fpn_8xb2-cos-1x_coco-panoptic.py',
}
TINY = benchmark_speed.DEFAULT  # also the source of the built-in batches
# the CPU's exploration: m=2, T=2, q=4 on 32 proxy train / 8 proxy val images
CPU_EXPLORE = ['train_cfg.population=2', 'train_cfg.checkpoints=2',
               'train_cfg.interval=4', 'train_dataloader.dataset.indices=32',
               'val_dataloader.dataset.indices=8']


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', choices=['cuda', 'cpu'], default='cuda')
    parser.add_argument('--iters', type=int, help='timed steps per round '
                        '(default 20 on cuda, 2 on cpu)')
    parser.add_argument('--rounds', type=int, help='default 3 / 1')
    parser.add_argument('--warmup', type=int, help='default 5 / 1')
    parser.add_argument('--work-dir', default='work_dirs/gpu_check')
    args = parser.parse_args()
    cpu = args.device == 'cpu'
    for key, gpu_default, cpu_default in (('iters', 20, 2), ('rounds', 3, 1),
                                          ('warmup', 5, 1)):
        if getattr(args, key) is None:
            setattr(args, key, cpu_default if cpu else gpu_default)
    return args


def ops_parity(device):
    """mmcv's ops on ``device`` (cuda) or in float64 (cpu) against the CPU
    in float32: rows (check, result, status)."""
    from mmcv.ops import ModulatedDeformConv2dPack, RoIAlign, nms
    if device == 'cuda':
        move, ref = (lambda x: x.cuda()), 'CUDA vs CPU'
    else:
        move, ref = (lambda x: x.double()), 'CPU float64 vs float32'

    def diff(op, *inputs, tol):
        expected = op(*inputs).double()
        got = move(op)(*map(move, inputs)).detach().cpu().double()
        d = (got - expected).abs().max().item()
        return f'{ref}: max abs difference {d:.1e}', _ok(d < tol)

    gen = torch.Generator().manual_seed(0)
    feats = torch.rand(1, 4, 16, 16, generator=gen)
    rois = torch.tensor([[0, 1.0, 1.0, 9.0, 12.0], [0, 3.5, 2.0, 15.0, 8.0]])
    rows = [('RoIAlign',
             *diff(RoIAlign((7, 7), 1.0, sampling_ratio=2), feats, rois,
                   tol=1e-5))]
    if device == 'cuda':
        xy = torch.rand(50, 2, generator=gen) * 50
        wh = 5 + torch.rand(50, 2, generator=gen) * 20
        boxes = torch.cat([xy, xy + wh], 1)
        scores = torch.rand(50, generator=gen)
        keep = nms(boxes, scores, 0.5)[1]
        same = torch.equal(keep, nms(move(boxes), move(scores), 0.5)[1].cpu())
        rows.append(('NMS', f'{ref}: {len(keep)} of 50 boxes kept, '
                     f'{"the same" if same else "different"}', _ok(same)))
    else:
        rows.append(('NMS', "skipped: mmcv's CPU kernel is float32 only",
                     'skipped'))
    torch.manual_seed(0)
    dcn = ModulatedDeformConv2dPack(4, 4, 3, padding=1)
    torch.nn.init.normal_(dcn.conv_offset.weight, std=0.1)
    rows.append(('modulated deformable conv', *diff(dcn, feats, tol=1e-4)))
    return rows


def step_times(name, config, device, args):
    """``train_step`` of ``config`` on the built-in dataset's batches, plain
    and weighted: a row (check, result, status)."""
    cfg = Config.fromfile(config)
    loader_cfg = Config.fromfile(TINY).train_dataloader
    loader_cfg.batch_size = cfg.train_dataloader.batch_size
    if cfg.model.backbone.get('init_cfg'):
        cfg.model.backbone.init_cfg = None  # times, not accuracy
    cfg, model, loader = benchmark_speed.build(cfg, loader_cfg)
    batches = benchmark_speed.first_batches(loader, args.iters)
    if device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    med, _, _ = benchmark_speed.step_times(cfg, model.to(device), batches,
                                           args.rounds, args.warmup)
    result = (f'{med["plain"]:.3f} s/iter, weighted {med["weighted"]:.3f} '
              f'(ratio {med["weighted"] / med["plain"]:.3f}), batch '
              f'{loader_cfg.batch_size}')
    if device == 'cuda':
        result += f', {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB'
    return f'{name} train_step', result, 'ok'


def exploration(device, work_dir):
    """A short exploration on ``device``: a row (check, result, status)."""
    options = (benchmark_explore.OPTIONS if device == 'cuda' else
               benchmark_explore.OPTIONS + CPU_EXPLORE)
    wall, t = benchmark_explore.explore(work_dir, 1, options,
                                        torch.get_num_threads())
    with open(osp.join(work_dir, 'explore_log.jsonl')) as f:
        log = [json.loads(line) for line in f]
    failed = sum(not m['ok'] for r in log for m in r.get('members', []))
    o = dict(option.split('=', 1) for option in options)
    return (f'exploration m={o["train_cfg.population"]}, T='
            f'{o["train_cfg.checkpoints"]}, q={o["train_cfg.interval"]}',
            f'{wall:.0f} s wall, {100 * t["other"] / t["total"]:.1f}% outside '
            f'training and evaluation, best PQ {log[-1]["v_best"]:.2f}, '
            f'{failed} failed members', _ok(failed == 0))


def _ok(passed):
    return 'ok' if passed else 'FAIL'


def run(name, check, *args):
    """The rows of ``check(*args)``; a failed check is a FAIL row."""
    print(f'[gpu_check] {name} ...', file=sys.stderr, flush=True)
    try:
        rows = check(*args)
    except (Exception, SystemExit) as e:  # SystemExit: a tool's output tail
        lines = str(e).strip().splitlines() or ['']
        line = lines[-1] if isinstance(e, SystemExit) else lines[0]
        return [(name, f'{type(e).__name__}: {line}', 'FAIL')]
    return rows if isinstance(rows, list) else [rows]


def main():
    args = parse_args()
    if args.device == 'cpu':
        os.environ['CUDA_VISIBLE_DEVICES'] = ''  # the exploration too
    elif not torch.cuda.is_available():
        sys.exit(f'gpu_check: no CUDA GPU visible (torch {torch.__version__}'
                 f', CUDA {torch.version.cuda}); run it on a GPU, or with '
                 '--device cpu for the small CPU run')
    import mmcv
    where = (torch.cuda.get_device_name() if args.device == 'cuda' else
             f'CPU, torch threads: {torch.get_num_threads()}')
    rows = [('environment', f'torch {torch.__version__} (CUDA '
             f'{torch.version.cuda}), mmcv {mmcv.__version__}, {where}', '')]
    rows += run('ops parity', ops_parity, args.device)
    configs = CONFIGS if args.device == 'cuda' else {'tiny': TINY}
    for name, config in configs.items():
        rows += run(f'{name} train_step', step_times, name, config,
                    args.device, args)
    rows += run('exploration', exploration, args.device,
                osp.join(args.work_dir, 'explore'))
    print('| check | result | status |\n|---|---|---|')
    for row in rows:
        print('| ' + ' | '.join(row) + ' |')
    if any(status == 'FAIL' for _, _, status in rows):
        sys.exit(1)


if __name__ == '__main__':
    main()
