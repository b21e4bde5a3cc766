"""Evaluate one member with mmdet's metric on the proxy validation split,
within the member's process group (not the whole world: other ranks are
evaluating other members at the same time)."""
from typing import Dict, Optional

import torch
import torch.distributed as torch_dist
from mmengine.evaluator import Evaluator

from mmada.utils.faults import fault_point


@torch.no_grad()
def evaluate_member(model: torch.nn.Module,
                    dataloader,
                    evaluator: Evaluator,
                    group: Optional[object] = None,
                    group_size: int = 1) -> Dict[str, float]:
    """Run ``model.val_step`` over ``dataloader`` and compute the metrics.

    Each process of the group evaluates its shard; the metric's per-image
    results (for CocoPanopticMetric: PQ statistics) are gathered within the
    group, and every process of the group computes the same metrics with the
    metric's own ``compute_metrics`` (mmdet's PQ, not one of ours).

    Returns:
        dict: Metric name (with the metric's prefix) -> value.
    """
    was_training = model.training
    model.eval()
    for data_batch in dataloader:
        fault_point('evaluate')
        outputs = model.val_step(data_batch)
        evaluator.process(data_samples=outputs, data_batch=data_batch)
    metrics = {}
    for metric in evaluator.metrics:
        results = metric.results
        if group_size > 1:
            gathered = [None] * group_size
            torch_dist.all_gather_object(gathered, results, group=group)
            results = [r for part in gathered for r in part]
        values = metric.compute_metrics(results)
        metric.results.clear()
        prefix = f'{metric.prefix}/' if metric.prefix else ''
        metrics.update({prefix + k: v for k, v in values.items()})
    model.train(was_training)
    return metrics
