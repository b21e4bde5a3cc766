#!/usr/bin/env bash
# torchrun launcher shared by dist_train.sh, dist_test.sh and dist_explore.sh:
#   tools/dist_run.sh SCRIPT NPROC ARGS...   (SCRIPT: train.py, test.py, ...)
# Without GPUs the processes use the gloo backend on the CPU.
SCRIPT=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
DIR="$(cd "$(dirname "$0")" && pwd)"
PYTHON=${PYTHON:-"$DIR/../.venv/bin/python"}
[ -x "$PYTHON" ] || PYTHON=python

PYTHONPATH="$DIR/..":$PYTHONPATH \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes=$NNODES \
    --node_rank=$NODE_RANK \
    --master_addr=$MASTER_ADDR \
    --nproc_per_node=$NPROC \
    --master_port=$PORT \
    "$DIR/$SCRIPT" "${@:3}" --launcher pytorch
