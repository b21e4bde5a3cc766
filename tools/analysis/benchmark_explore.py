"""What an exploration spends its time on, and how it scales.

    python tools/analysis/benchmark_explore.py [--work-dir work_dirs/benchmark_explore]
        [--threads 2] [--cfg-options train_cfg.population=2 ...]

1. The same small exploration (m=4, T=2, q=10, 80 proxy val images) with 1
   process (2 torch threads) and with 2 processes (1 thread each, 2 members
   each) on the same 2 cores (``--threads``: the threads in all): wall time
   of each and the speed-up; from the runner's own accounting
   (explore_log.jsonl) the share of time outside member training and
   evaluation (controller, broadcast, saving, logging).
2. The reward's evaluation: the PQ of one member on the proxy val split,
   computed as the runner does (mmdet's CocoPanopticMetric, per-image PQ
   statistics in memory) against writing the predictions in COCO panoptic
   format and running ``panopticapi.evaluation.pq_compute`` on them, with the
   same predictions (model inference is timed separately).
"""
import argparse
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import tempfile
import time

EXPLORE = ('configs/ada_segment/'
           'ada-segment-explore_tiny_m4-1xb4-cos-2e_synthetic-panoptic.py')
OPTIONS = ['train_cfg.population=4', 'train_cfg.checkpoints=2',
           'train_cfg.interval=10']
SETTING = 'm=4, T=2, q=10, 80 proxy val images'


def explore(work_dir, procs, options=OPTIONS, threads=2):
    """Run the exploration in ``procs`` processes sharing ``threads`` torch
    threads: (wall time, the runner's time accounting)."""
    shutil.rmtree(work_dir, ignore_errors=True)
    env = dict(os.environ, OMP_NUM_THREADS=str(max(1, threads // procs)))
    if procs == 1:
        cmd = [sys.executable, 'tools/explore.py', EXPLORE]
    else:
        cmd = ['bash', 'tools/dist_explore.sh', EXPLORE, str(procs)]
        env['PORT'] = '29655'
    cmd += ['--work-dir', work_dir, '--cfg-options', *options]
    start = time.time()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    wall = time.time() - start
    if proc.returncode != 0:
        sys.exit(proc.stdout[-3000:])
    with open(osp.join(work_dir, 'explore_log.jsonl')) as f:
        timing = [json.loads(line) for line in f][-1]['time']
    return wall, timing


def reward_evaluation(checkpoint):
    """In-memory PQ (the runner's) vs files + panopticapi, same predictions."""
    import torch
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner
    from panopticapi.evaluation import pq_compute

    from mmada.utils import load_checkpoint_file
    from mmada.utils.launch import load_config
    from mmdet.registry import METRICS, MODELS
    args = argparse.Namespace(config=EXPLORE, work_dir=tempfile.mkdtemp(),
                              cfg_options=None, launcher='none', local_rank=0)
    cfg = load_config(args)
    DefaultScope.get_instance('bench', scope_name='mmdet')
    model = MODELS.build(cfg.model)
    model.load_state_dict(load_checkpoint_file(checkpoint)['state_dict'])
    model.eval()
    loader = Runner.build_dataloader(cfg.val_dataloader, seed=0)
    start = time.perf_counter()
    batches = []
    with torch.no_grad():
        for data in loader:
            batches.append((data, model.val_step(data)))
    inference = time.perf_counter() - start
    images = len(loader.dataset)

    def timed(metric):
        metric.dataset_meta = loader.dataset.metainfo
        start = time.perf_counter()
        for data, outputs in batches:
            metric.process(data, [o.to_dict() for o in outputs])
        result = metric.compute_metrics(metric.results)
        return time.perf_counter() - start, result

    in_memory, res = timed(METRICS.build(cfg.val_evaluator))
    out = tempfile.mkdtemp()
    files_cfg = dict(cfg.val_evaluator, outfile_prefix=osp.join(out, 'p'),
                     format_only=True)
    write, _ = timed(METRICS.build(files_cfg))
    start = time.perf_counter()
    meta = loader.dataset.metainfo  # the metric reads its dataset's files
    ref = pq_compute(meta['ann_file'], osp.join(out, 'p.panoptic.json'),
                     meta['seg_prefix'], osp.join(out, 'p.panoptic'))
    pq_time = time.perf_counter() - start
    return dict(images=images, inference=inference, in_memory=in_memory,
                files=write + pq_time, pq=res['PQ'],
                pq_panopticapi=100 * ref['All']['pq'])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/benchmark_explore')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='more key=value options for both explorations '
                        '(the smoke test runs a smaller setting)')
    args = parser.parse_args()
    options = OPTIONS + args.cfg_options
    one = explore(osp.join(args.work_dir, 'procs1'), 1, options, args.threads)
    two = explore(osp.join(args.work_dir, 'procs2'), 2, options, args.threads)
    print(f"exploration {' '.join(args.cfg_options) or SETTING}:")
    for name, (wall, t) in (
            (f'1 process x {args.threads} threads', one),
            (f'2 processes x {max(1, args.threads // 2)} thread', two)):
        print(f'  {name}: wall {wall:.1f} s; runner (rank 0): training '
              f'{t["train"]:.1f} s, evaluation {t["eval"]:.1f} s, other '
              f'{t["other"]:.1f} s = {100 * t["other"] / t["total"]:.2f}% '
              'of its time')
    print(f'  speed-up 1 -> 2 processes: {one[0] / two[0]:.2f}x (wall)')
    r = reward_evaluation(
        osp.join(args.work_dir, 'procs1', 'best_model.pth'))
    n = r['images']
    print(f'reward evaluation ({n} proxy val images): inference '
          f'{1e3 * r["inference"] / n:.1f} ms/image; PQ in memory (the '
          f'runner\'s, CocoPanopticMetric) {1e3 * r["in_memory"] / n:.2f} '
          f'ms/image vs files + panopticapi pq_compute '
          f'{1e3 * r["files"] / n:.2f} ms/image; PQ {r["pq"]:.3f} vs '
          f'{r["pq_panopticapi"]:.3f}')


if __name__ == '__main__':
    main()
