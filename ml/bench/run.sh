#!/usr/bin/env bash
# npm run bench: builds the model image and times the original three-script run against the
# gated pipeline with every model. Usage: ml/bench/run.sh [DATA_DIR] [--repeat N] [--seeds N]
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/bench.py" "$@"
