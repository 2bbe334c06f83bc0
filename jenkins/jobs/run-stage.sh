#!/bin/bash
# Jobs preprocessing and train (and their copies in other build hosts' chains): each runs the
# pipeline stage of its own name (preprocessing.py, train.py) in the model container started by
# github-to-container.
# jenkins/jobs.ts puts scripts/model-container.sh (explain_model_exit) in front of it.
set -euo pipefail
# A failed stage ends the chain here, so its container must not outlive it.
trap '[ "$?" -eq 0 ] || docker rm --force "$MODEL_CONTAINER" >/dev/null 2>&1 || true' EXIT

stage="${JOB_NAME##*/}"
# A chain on another build host carries its name: preprocessing-on-gpu.
stage="${stage%-on-*}"
case "$stage" in
  preprocessing | train) ;;
  *)
    echo "run-stage.sh serves the preprocessing and train jobs, not $JOB_NAME" >&2
    exit 2
    ;;
esac

status=0
docker exec "$MODEL_CONTAINER" python3 "$stage.py" || status=$?
explain_model_exit "$status" "$MODEL_CONTAINER"
