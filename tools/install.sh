#!/usr/bin/env bash
# One-command install of mmada: creates .venv at the repo root and installs
# torch, mmcv 2.1.0 (built from source with its compiled ops), mmengine, mmdet,
# panopticapi, torchjd and mmada itself (editable).
#
#   bash tools/install.sh
#
# Compute nodes without network install from a wheelhouse (every wheel, torch
# included, and mmcv's source), made with one command on a connected machine
# of the nodes' Python version and platform (e.g. the login node or the same
# container), then copied to them:
#
#   MMADA_WHEELHOUSE=DIR bash tools/install.sh --make-wheelhouse   # connected
#   MMADA_WHEELHOUSE=DIR bash tools/install.sh                     # offline
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
#   MMADA_WHEELHOUSE=DIR     install from DIR only, without network (pip's
#                            --no-index --find-links DIR); with
#                            --make-wheelhouse: download into DIR (torch as
#                            TORCH_SPEC, with pip's usual index settings).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
say() { echo "[install] $*"; }

if [ "${1:-}" = --make-wheelhouse ]; then
  if [ -z "${MMADA_WHEELHOUSE:-}" ]; then
    echo "[install] --make-wheelhouse: set MMADA_WHEELHOUSE=DIR" >&2
    exit 2
  fi
  PY=${MMADA_PYTHON:-${PYTHON:-python3}}
  mkdir -p "$MMADA_WHEELHOUSE"
  target=$("$PY" -c 'import sys, sysconfig
print("Python", sys.version.split()[0], sysconfig.get_platform())')
  say "downloading into $MMADA_WHEELHOUSE for $target"
  download() {
    "$1" -m pip download --disable-pip-version-check -q \
      -d "$MMADA_WHEELHOUSE" "${@:2}"
  }
  # torch, mmcv's build tools and every requirement, resolved together (one
  # torch)
  download "$PY" "${TORCH_SPEC:-torch==2.13.0}" 'setuptools>=77,<80' wheel \
    ninja 'numpy<2' -r requirements.txt
  # mmcv 2.1.0's source, built on the nodes against their torch (step 3). pip
  # reads its metadata by running setup.py, which needs pkg_resources
  # (setuptools<80): from a throwaway venv with the setuptools just fetched.
  tmp=$(mktemp -d)
  "$PY" -m venv "$tmp"
  "$tmp/bin/python" -m pip install --disable-pip-version-check -q \
    --no-index --find-links "$MMADA_WHEELHOUSE" 'setuptools>=77,<80' wheel
  download "$tmp/bin/python" --no-build-isolation --no-deps --no-binary mmcv \
    mmcv==2.1.0
  rm -rf "$tmp"
  say "done in $(( $(date +%s) - start )) s: $(ls "$MMADA_WHEELHOUSE" | wc -l)" \
    "files, $(du -sh "$MMADA_WHEELHOUSE" | cut -f1); copy the folder to the" \
    "nodes and run there: MMADA_WHEELHOUSE=<its path> bash tools/install.sh"
  exit 0
elif [ $# -gt 0 ]; then
  echo "[install] unknown argument $1 (the only one: --make-wheelhouse)" >&2
  exit 2
fi
if [ -n "${MMADA_WHEELHOUSE:-}" ]; then
  # every pip call below (the mmcv build included) reads DIR only
  if [ ! -d "$MMADA_WHEELHOUSE" ]; then
    echo "[install] MMADA_WHEELHOUSE=$MMADA_WHEELHOUSE: no such folder" >&2
    exit 2
  fi
  export PIP_NO_INDEX=1 PIP_FIND_LINKS="$(cd "$MMADA_WHEELHOUSE" && pwd)"
  say "installing offline from the wheelhouse $PIP_FIND_LINKS"
fi

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
