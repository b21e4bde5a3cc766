"""Makes tests/ importable (``from e2e import ...``) for every test folder,
runs torch on one thread (the unit tests' tiny models are several times
slower on 2 threads of a loaded 2-core machine; subprocesses get
OMP_NUM_THREADS=1 from e2e.run), and registers the ``e2e`` marker: tests
that run the tools or train for more than a few seconds (``pytest -m "not
e2e"`` runs the unit tests alone), and the ``cuda`` marker: tests that need
a GPU, skipped where none is visible."""
import os
import os.path as osp

os.environ.setdefault('OMP_NUM_THREADS', '1')

import pytest  # noqa: E402
import torch  # noqa: E402
from category_edits import rewrite_categories  # noqa: E402

from mmada.datasets.synthetic import generate_synthetic_panoptic  # noqa

torch.set_num_threads(1)

# the shared fixtures: a small generated dataset and a "stuff-first" copy


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'e2e: end-to-end run of a tool or a training (slow)')
    config.addinivalue_line(
        'markers', 'cuda: needs a CUDA GPU (skipped where there is none)')


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason='no CUDA GPU visible')
    for item in items:
        if 'cuda' in item.keywords:
            item.add_marker(skip)


SMALL = dict(num_train=12, num_val=4, num_proxy_val=4, seed=3)


@pytest.fixture(scope='session')
def synth_root(tmp_path_factory) -> str:
    """A small synthetic dataset (read-only: copy it to modify it)."""
    root = str(tmp_path_factory.mktemp('synth') / 'synthetic_panoptic')
    return generate_synthetic_panoptic(root, **SMALL)


def write_stuff_first(src: str, dst: str) -> dict:
    """Copy a panoptic JSON, listing stuff first with shuffled category ids.

    The new ids are a permutation of the old ones (so 'circle' gets e.g. the
    old id of 'water'), categories are listed stuff first and each group in
    reverse order; segments follow. Returns the old -> new id mapping.
    """
    def stuff_first(cats):
        ids = [c['id'] for c in cats]
        stuff = [c for c in cats if not c['isthing']][::-1]
        things = [c for c in cats if c['isthing']][::-1]
        return stuff + things, dict(zip(ids, ids[3:] + ids[:3]))

    return rewrite_categories(src, dst, stuff_first)


@pytest.fixture(scope='session')
def stuff_first_ann(synth_root, tmp_path_factory) -> str:
    """``panoptic_train.json`` of ``synth_root``, stuff first, ids shuffled.
    """
    dst = str(tmp_path_factory.mktemp('stuff_first') / 'stuff_first.json')
    write_stuff_first(
        osp.join(synth_root, 'annotations', 'panoptic_train.json'), dst)
    return dst
