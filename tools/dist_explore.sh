#!/usr/bin/env bash
# Distributed exploration: tools/dist_explore.sh CONFIG GPUS [ARGS]
# The m members are spread over the processes (tools/README.md: several processes and GPUs).
exec "$(dirname "$0")/dist_run.sh" explore.py "$2" "$1" "${@:3}"
