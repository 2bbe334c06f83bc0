#!/bin/bash
# Job test: the gate decides; only a model whose validation accuracy reaches THRESHOLD
# is tested. The chain ends here, so the model container is removed in every case.
set -euo pipefail
trap 'docker rm --force "$MODEL_CONTAINER" >/dev/null 2>&1 || true' EXIT

gate_status=0
docker exec "$MODEL_CONTAINER" python3 gate.py || gate_status=$?
if [ "$gate_status" -eq "$GATE_FAILED_STATUS" ]; then
  echo "Validation accuracy is below THRESHOLD=$THRESHOLD: the process stopped, the test stage did not run."
  exit "$GATE_FAILED_STATUS" # the job's unstableReturn: the build is marked UNSTABLE
elif [ "$gate_status" -ne 0 ]; then
  exit "$gate_status"
fi

docker exec "$MODEL_CONTAINER" python3 test.py
docker exec "$MODEL_CONTAINER" sh -c \
  'for file in "$RESULTS_DIR/train_metadata.json" "$RESULTS_DIR/test_metadata.json"; do echo "== $file"; cat "$file"; echo; done'
