#!/usr/bin/env bash
# srun launcher shared by slurm_train.sh, slurm_test.sh and slurm_explore.sh:
#   tools/slurm_run.sh SCRIPT PARTITION JOB_NAME ARGS...
# GPUS (default 8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS as mmdet.
set -x
SCRIPT=$1
PARTITION=$2
JOB_NAME=$3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
DIR="$(cd "$(dirname "$0")" && pwd)"
PYTHON=${PYTHON:-"$DIR/../.venv/bin/python"}
[ -x "$PYTHON" ] || PYTHON=python

PYTHONPATH="$DIR/..":$PYTHONPATH \
srun -p ${PARTITION} \
    --job-name=${JOB_NAME} \
    --gres=gpu:${GPUS_PER_NODE} \
    --ntasks=${GPUS} \
    --ntasks-per-node=${GPUS_PER_NODE} \
    --cpus-per-task=${CPUS_PER_TASK} \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    "$PYTHON" -u "$DIR/$SCRIPT" "${@:4}" --launcher="slurm"
