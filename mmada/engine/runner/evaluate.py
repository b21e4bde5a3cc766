"""Evaluate one member with mmdet's metric on the proxy validation split,
within the member's process group (not the whole world: other ranks are
evaluating other members at the same time)."""
from typing import Dict, List, Optional

import torch
import torch.distributed as torch_dist
from mmengine.evaluator import Evaluator


def merge_shards(parts: List[list], size: int) -> list:
    """Per-sample results of the group's shards in dataset order, each
    sample once.

    ``DefaultSampler`` (and ``GroupSampler``) give rank r the samples r,
    r + w, r + 2w, ... of the (padded) index list, padding it to a multiple
    of w with its first indices when ``round_up``: interleaving the parts
    restores the list, and its first ``size`` entries are the dataset, as
    ``mmengine.dist.collect_results`` does for the world.
    """
    merged = [part[i] for i in range(max(map(len, parts), default=0))
              for part in parts if i < len(part)]
    return merged[:size]


@torch.no_grad()
def evaluate_member(model: torch.nn.Module,
                    dataloader,
                    evaluator: Evaluator,
                    group: Optional[object] = None,
                    group_size: int = 1) -> Dict[str, float]:
    """Run ``model.val_step`` over ``dataloader`` and compute the metrics.

    Each process of the group evaluates its shard; the metric's per-image
    results (for CocoPanopticMetric: PQ statistics) are gathered within the
    group and cut back to the dataset's size (the sampler pads the last
    shards: see :func:`merge_shards`), and every process of the group
    computes the same metrics with the metric's own ``compute_metrics``
    (mmdet's PQ, not one of ours).

    Returns:
        dict: Metric name (with the metric's prefix) -> value.
    """
    was_training = model.training
    model.eval()
    try:
        for data_batch in dataloader:
            outputs = model.val_step(data_batch)
            evaluator.process(data_samples=outputs, data_batch=data_batch)
        metrics = {}
        for metric in evaluator.metrics:
            results = metric.results
            if group_size > 1:
                gathered = [None] * group_size
                torch_dist.all_gather_object(gathered, results, group=group)
                results = merge_shards(gathered, len(dataloader.dataset))
            values = metric.compute_metrics(results)
            prefix = f'{metric.prefix}/' if metric.prefix else ''
            metrics.update({prefix + k: v for k, v in values.items()})
    finally:  # a failed member's images never reach the next member's PQ
        for metric in evaluator.metrics:
            metric.results.clear()
        model.train(was_training)
    return metrics
