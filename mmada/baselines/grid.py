"""Baseline-G: the grid over static loss weights (the paper's Tables 1 and 6).

A grid point is two weights, the detection group's ``det`` (every box,
class and mask loss of the cascade) and the semantic loss's ``seg``, each
in ``GRID`` = {0.5, 1, 2}: 9 points, (1, 1) being the Baseline. A point is a
config: the base config plus the ``--cfg-options`` of :func:`grid_options`,
which apply the weights in one of two ways (``WAYS``):

- ``'config'`` (method ``grid``): the heads' own loss weights, as Panoptic
  FPN's grid search did: ``model.roi_head.stage_loss_weights`` = det / 3 per
  stage (the cascade's 3 stages together weigh det) and
  ``model.semantic_head.loss_seg.loss_weight`` = seg. The weight also scales
  the head's own step. Base config: the model config itself.
- ``'hook'`` (method ``grid-hook``): as Ada-Segment applies lambda, through
  ``LossWeightHook`` with ``StaticWeighting`` (``custom_hooks.1`` of the
  ``static-weights_*`` configs): det on each of the 9 detection losses and
  seg on ``loss_seg``, the heads' gradients at 1/lambda, so that only the
  shared layers see the weight. Base config: ``static-weights_*``.

Train one point by hand (the options printed one per word)::

    python tools/train.py configs/baselines/static-weights_tiny_1xb4-cos-6e_synthetic-panoptic-scenes.py \\
        --cfg-options $(python -m mmada.baselines.grid hook 2 0.5)

``tools/analysis/benchmark_methods.py --methods grid grid-hook`` trains the
9 points with seed 0, picks the best on the proxy val split and trains it
with every seed.
"""
import argparse
from typing import List, Tuple

#: The values of each weight (the paper's Baseline-G grid).
GRID = (0.5, 1.0, 2.0)
#: Cascade stages of the paper's network; each stage weighs det / STAGES.
STAGES = 3
#: How a point's weights are applied: the method name of each way.
WAYS = {'config': 'grid', 'hook': 'grid-hook'}


def grid_points(values=GRID) -> List[Tuple[float, float]]:
    """The (det, seg) points of the grid, det major."""
    return [(float(det), float(seg)) for det in values for seg in values]


def grid_options(det: float, seg: float, way: str = 'config',
                 stages: int = STAGES) -> List[str]:
    """The ``--cfg-options`` that make the base config the point (det, seg)
    (see the module docstring for the two ``way`` s).

    Raises:
        ValueError: ``way`` is not one of WAYS, or a weight is not > 0.
    """
    if way not in WAYS:
        raise ValueError(f'way must be one of {tuple(WAYS)}, got {way!r}')
    if not (det > 0 and seg > 0):
        raise ValueError(f'grid weights must be > 0, got det={det}, '
                         f'seg={seg}')
    det, seg = float(det), float(seg)
    if way == 'hook':
        weights = ','.join([str(det)] * 3 * stages + [str(seg)])
        return [f'custom_hooks.1.weighting.loss_weights=[{weights}]']
    stage = ','.join([str(det / stages)] * stages)
    return [
        f'model.roi_head.stage_loss_weights=[{stage}]',
        f'model.semantic_head.loss_seg.loss_weight={seg}'
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description='Print the --cfg-options of one Baseline-G grid point.')
    parser.add_argument('way', choices=tuple(WAYS))
    parser.add_argument('det', type=float, help='detection group weight')
    parser.add_argument('seg', type=float, help='semantic loss weight')
    args = parser.parse_args(argv)
    print(' '.join(grid_options(args.det, args.seg, args.way)))


if __name__ == '__main__':
    main()
