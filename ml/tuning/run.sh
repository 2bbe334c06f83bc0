#!/usr/bin/env bash
# Reruns the hyper-parameter search inside the model image (the library versions the model runs
# with) and rewrites ml/adult_pipeline/modelling/tuned_params.json. Usage: ml/tuning/run.sh [DATA_DIR]
# DATA_DIR (default ../shared/data beside the repository) must hold adult.data; adult.test is
# never read. Takes about 9 minutes on 2 idle cores.
set -euo pipefail
ml_dir="$(cd "$(dirname "$0")/.." && pwd)"
data_dir="$(cd "${1:-$ml_dir/../../shared/data}" && pwd)"
image=adult-mlops-model:tuning
docker build --quiet --tag "$image" "$ml_dir" >/dev/null
exec docker run --rm --network none --user "$(id -u):$(id -g)" \
  -v "$data_dir:/data:ro" -v "$ml_dir:/src" -w /src "$image" python3 -m tuning.tune
