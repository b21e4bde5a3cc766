#!/usr/bin/env bash
# Slurm exploration: tools/slurm_explore.sh PARTITION JOB_NAME CONFIG WORK_DIR [ARGS]
exec "$(dirname "$0")/slurm_run.sh" explore.py "$1" "$2" "$3" --work-dir="$4" "${@:5}"
