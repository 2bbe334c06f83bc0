#!/bin/bash
# Job test: the gate decides; only a model whose validation accuracy reaches THRESHOLD
# is tested. promote.py then records the model in the registry, champion or rejected (a
# failed gate too), and the results are copied into the workspace for the job to archive.
# The chain ends here, so the model container is removed in every case.
# jenkins/jobs.ts puts scripts/model-container.sh (explain_model_exit) in front of it.
set -euo pipefail
trap 'docker rm --force "$MODEL_CONTAINER" >/dev/null 2>&1 || true' EXIT

# The results folder as the image resolves it (its contract's default unless the container sets it).
status=0
results_dir="$(docker exec "$MODEL_CONTAINER" python3 -c 'import os; from adult_pipeline.process.config import setting; print(setting(os.environ, "RESULTS_DIR"))')" || status=$?
explain_model_exit "$status" "$MODEL_CONTAINER"

gate_status=0
docker exec "$MODEL_CONTAINER" python3 gate.py || gate_status=$?
if [ "$gate_status" -eq 0 ]; then
  status=0
  docker exec "$MODEL_CONTAINER" python3 test.py || status=$?
  explain_model_exit "$status" "$MODEL_CONTAINER"
  docker exec "$MODEL_CONTAINER" sh -c \
    'for file in "$1/train_metadata.json" "$1/test_metadata.json"; do echo "== $file"; cat "$file"; echo; done' sh "$results_dir"
elif [ "$gate_status" -ne "$GATE_FAILED_STATUS" ]; then
  explain_model_exit "$gate_status" "$MODEL_CONTAINER"
fi

# Prints "verdict: ..." (the build's description) and the metrics JSON.
status=0
docker exec "$MODEL_CONTAINER" python3 promote.py || status=$?
explain_model_exit "$status" "$MODEL_CONTAINER"
# metrics.json, report.html and the stage metadata, archived by the job (results/*).
rm -rf results && mkdir results
docker exec "$MODEL_CONTAINER" tar --create --file - --directory "$results_dir" . | tar --extract --file - --directory results

if [ "$gate_status" -eq "$GATE_FAILED_STATUS" ]; then
  # The threshold the container gated with, which the global environment may have changed since it started.
  echo "Validation accuracy is below THRESHOLD=$(docker exec "$MODEL_CONTAINER" printenv THRESHOLD): the process stopped, the test stage did not run."
  exit "$GATE_FAILED_STATUS" # the job's unstableReturn: the build is marked UNSTABLE
fi
