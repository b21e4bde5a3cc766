#!/usr/bin/env bash
# One-command install of mmada: creates .venv at the repo root and installs
# torch, mmcv 2.1.0 (built from source with its compiled ops), mmengine, mmdet,
# panopticapi, torchjd and mmada itself (editable).
#
#   bash tools/install.sh
#
# Environment knobs:
#   PYTHON=python3.11        interpreter used to create .venv
#   TORCH_SPEC='torch==2.13.0'  torch to install when .venv has none; a torch
#                            already in .venv is kept (install your CUDA build
#                            first to keep it).
#   MMADA_WHEEL_CACHE=~/.cache/mmada/wheels   where the built mmcv wheel is
#                            cached (one per torch version), so a reinstall
#                            skips the ~7 minute build.
#   MMADA_PYTHON=/opt/conda/bin/python   install into that interpreter's
#                            environment instead of .venv (e.g. a container
#                            whose CUDA torch is kept); run the tests with it.
#   TORCH_CUDA_ARCH_LIST=9.0 build mmcv's CUDA ops for one GPU architecture
#                            only (much faster than every architecture).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
say() { echo "[install] $*"; }

if [ -n "${MMADA_PYTHON:-}" ]; then
  PY=$MMADA_PYTHON
  say "installing into the environment of $PY"
else
  if [ ! -x .venv/bin/python ]; then
    say "creating .venv with ${PYTHON:-python3}"
    "${PYTHON:-python3}" -m venv .venv
  fi
  PY=.venv/bin/python
fi
pip_install() { "$PY" -m pip install --disable-pip-version-check -q "$@"; }

# 1. torch first: everything else builds against it.
if "$PY" -c 'import torch' 2>/dev/null; then
  say "keeping installed torch $("$PY" -c 'import torch; print(torch.__version__)')"
else
  say "installing ${TORCH_SPEC:-torch==2.13.0}"
  pip_install "${TORCH_SPEC:-torch==2.13.0}"
fi

# 2. build tools for mmcv: setuptools<80 still ships pkg_resources (imported by
#    mmcv's setup.py); torch 2.13 wants >=77.
pip_install 'setuptools>=77,<80' wheel ninja 'numpy<2'

# 3. mmcv 2.1.0 with its compiled ops. PyPI has only the source package; build
#    it against the torch above without build isolation (isolation would pull
#    a second, multi-GB torch) and cache the wheel per torch version.
if "$PY" -c 'import mmcv, mmcv.ops; assert mmcv.__version__ == "2.1.0"' 2>/dev/null; then
  say "keeping installed mmcv 2.1.0"
else
  torch_tag=$("$PY" -c 'import torch; print(torch.__version__)')
  cache="${MMADA_WHEEL_CACHE:-$HOME/.cache/mmada/wheels}/torch-${torch_tag}"
  wheel=$(ls "$cache"/mmcv-2.1.0-*.whl 2>/dev/null | head -n 1 || true)
  if [ -z "$wheel" ]; then
    if command -v nvcc >/dev/null 2>&1 && "$PY" -c 'import sys, torch; sys.exit(torch.version.cuda is None)'; then
      say "nvcc and a CUDA torch found: building mmcv with CUDA ops"
      export FORCE_CUDA=1
    fi
    say "building mmcv 2.1.0 with ops against torch ${torch_tag} (about 7 minutes on 2 cores)"
    tmp="${cache}.tmp.$$"
    rm -rf "$tmp"; mkdir -p "$tmp"
    MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" "$PY" -m pip wheel -q \
      --disable-pip-version-check --no-build-isolation --no-deps -w "$tmp" mmcv==2.1.0
    mkdir -p "$cache"
    mv "$tmp"/mmcv-2.1.0-*.whl "$cache"/
    rm -rf "$tmp"
    wheel=$(ls "$cache"/mmcv-2.1.0-*.whl | head -n 1)
  else
    say "using cached $wheel"
  fi
  pip_install "$wheel"
fi

# 4. the rest, then mmada itself.
pip_install -r requirements.txt
pip_install --no-build-isolation --no-deps -e .
"$PY" -c 'import mmada, mmdet, mmcv.ops, panopticapi, torchjd' >/dev/null
say "done in $(( $(date +%s) - start )) s; run the tests with: $PY -m pytest -q tests"
