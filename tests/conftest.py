"""Makes tests/ importable (``from e2e import ...``) for every test folder,
runs torch on one thread (the unit tests' tiny models are several times
slower on 2 threads of a loaded 2-core machine; subprocesses get
OMP_NUM_THREADS=1 from e2e.run), and registers the ``e2e`` marker: tests
that run the tools or train for more than a few seconds (``pytest -m "not
e2e"`` runs the unit tests alone)."""
import os

os.environ.setdefault('OMP_NUM_THREADS', '1')

import torch  # noqa: E402

torch.set_num_threads(1)


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'e2e: end-to-end run of a tool or a training (slow)')
