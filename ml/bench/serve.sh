#!/usr/bin/env bash
# npm run bench:serve: the prediction service under wrk (ml/bench/serve_bench.py).
# Usage: ml/bench/serve.sh [DATA_DIR] [--seconds N]
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/serve_bench.py" "$@"
