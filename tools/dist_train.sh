#!/usr/bin/env bash
# Distributed training: tools/dist_train.sh CONFIG GPUS [ARGS]
# (torchrun; without GPUs, GPUS CPU processes with the gloo backend)
exec "$(dirname "$0")/dist_run.sh" train.py "$2" "$1" "${@:3}"
