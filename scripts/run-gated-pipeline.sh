#!/usr/bin/env bash
# Runs the model image's gated pipeline on the configured data; the GatedPipeline component's command.
# Environment:
#   MODEL_IMAGE       image to run (an image ID)
#   DATA_SOURCE_KIND  "url": fetch the UCI archive into DATA_VOLUME (sha256-verified, cached there);
#                     "directory": mount DATA_SOURCE read-only
#   DATA_SOURCE, DATA_VOLUME, RAW_DATA_FILE, TEST_DATA_FILE, THRESHOLD, MODEL
#   FAIL_ON_GATE      "true": a failed gate is a failure (exit 3) rather than a verdict (exit 0)
# The last stdout line is the metrics JSON. Exit 0 when the run completed, whether the gate passed
# or stopped it (the metrics say which); otherwise the image's own status (2 bad input, 4 download).
set -euo pipefail

: "${MODEL_IMAGE:?}" "${DATA_SOURCE_KIND:?}" "${DATA_SOURCE:?}" "${THRESHOLD:?}" "${MODEL:?}" "${RAW_DATA_FILE:?}"

case "$DATA_SOURCE_KIND" in
  url)
    : "${DATA_VOLUME:?}"
    # Host networking lets a mirror on the host's loopback serve the archive too.
    docker run --rm --network host --volume "$DATA_VOLUME:/data" --env DATA_URL="$DATA_SOURCE" \
      "$MODEL_IMAGE" python3 fetch_data.py >&2
    data_mount="$DATA_VOLUME"
    ;;
  directory) data_mount="$DATA_SOURCE" ;;
  *) echo "error: DATA_SOURCE_KIND=$DATA_SOURCE_KIND: expected url or directory" >&2; exit 2 ;;
esac

status=0
docker run --rm --network none --volume "$data_mount:/data:ro" \
  --env RAW_DATA_FILE --env TEST_DATA_FILE="${TEST_DATA_FILE:-}" --env THRESHOLD --env MODEL \
  "$MODEL_IMAGE" || status=$?

gate_stopped_the_run=3
if [ "$status" -eq "$gate_stopped_the_run" ]; then
  if [ "${FAIL_ON_GATE:-false}" = true ]; then
    echo "error: the gate stopped the pipeline (validation accuracy below THRESHOLD=$THRESHOLD) and failOnGate is true" >&2
    exit "$status"
  fi
  exit 0
fi
exit "$status"
