"""A member data-parallel over its group evaluates each proxy val image
exactly once, whatever the group size (the sampler pads the shards)."""
import pytest

from mmada.engine.runner.evaluate import merge_shards
from mmada.engine.runner.population import GroupSampler


def test_merge_shards_by_hand():
    # 5 samples over 2 ranks, padded to 6: rank 0 gets 0, 2, 4 and rank 1
    # gets 1, 3 and the padding 0
    assert merge_shards([[0, 2, 4], [1, 3, 0]], 5) == [0, 1, 2, 3, 4]
    assert merge_shards([[0, 2], [1]], 3) == [0, 1, 2]  # round_up=False
    assert merge_shards([], 0) == []


@pytest.mark.parametrize('size, group_size', [(5, 2), (7, 3), (80, 3),
                                              (6, 4), (8, 4)])
@pytest.mark.parametrize('shuffle', [False, True])
def test_each_image_once_for_any_group_size(size, group_size, shuffle):
    parts = [
        list(GroupSampler(range(size), rank=r, world_size=group_size,
                          seed=3, shuffle=shuffle))
        for r in range(group_size)
    ]
    assert sum(map(len, parts)) >= size  # padded when not a multiple
    merged = merge_shards(parts, size)
    assert sorted(merged) == list(range(size))
    if not shuffle:
        assert merged == list(range(size))


def test_a_failed_evaluation_does_not_leak_into_the_next_members_pq():
    """A member whose evaluation fails at batch 3 of a 4-image split leaves
    no result behind: the next member's metric counts its own 4 images."""
    import torch
    from mmengine.evaluator import BaseMetric, Evaluator

    from mmada.engine.runner.evaluate import evaluate_member

    class Count(BaseMetric):
        def process(self, data_batch, data_samples):
            self.results.extend(data_samples)

        def compute_metrics(self, results):
            return dict(images=len(results))

    class Model(torch.nn.Module):
        fail_at = None

        def val_step(self, batch):
            if batch == self.fail_at:
                raise RuntimeError('evaluation failed')
            return [batch]

    class Loader(list):
        dataset = range(4)

    evaluator, model = Evaluator(Count()), Model()
    model.fail_at = 2  # the third batch
    with pytest.raises(RuntimeError, match='evaluation failed'):
        evaluate_member(model, Loader(range(4)), evaluator)
    assert model.training  # restored
    model.fail_at = None
    assert evaluate_member(model, Loader(range(4)), evaluator) == dict(
        images=4)
