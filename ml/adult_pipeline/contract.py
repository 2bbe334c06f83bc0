"""The image's contract with its callers: the variables it reads (with their defaults), how every
script exits, and the fields of the gated run's metrics line. The callers' TypeScript copy is
contracts/modelImage.ts; test/contracts/modelImage.test.ts fails when the two (or ml/Dockerfile,
ml/README.md, the shell scripts) disagree."""

from collections.abc import Mapping

MODEL_NAMES: tuple[str, ...] = ("xgb", "hgb", "logreg")

# name -> (default when unset, meaning)
ENVIRONMENT: Mapping[str, tuple[str, str]] = {
    "RAW_DATA_DIR": ("/data", "folder with the raw data (mount it read-only)"),
    "RAW_DATA_FILE": ("adult.csv", "training data file in RAW_DATA_DIR"),
    "TEST_DATA_FILE": ("", "official held-out test file in RAW_DATA_DIR; empty: a stratified random 70/30 split"),
    "PROCESSED_DATA_DIR": ("/work/processed", "train.csv, test.csv, manifest.json"),
    "MODEL_DIR": ("/work/model", "model.json, and model.ubj (xgb) or model.joblib (hgb, logreg)"),
    "RESULTS_DIR": ("/work/results", "train_metadata.json, test_metadata.json"),
    "THRESHOLD": ("0.8", "the gate: the run goes on to test only if validation_acc >= THRESHOLD"),
    "MODEL": ("xgb", f"the model to train: {', '.join(MODEL_NAMES)}"),
    "SEED": ("42", "seeds the random split, the cross-validation folds and the model"),
    "DATA_URL": (
        "https://archive.ics.uci.edu/static/public/2/adult.zip",
        "fetch_data.py only: where the UCI archive is downloaded from",
    ),
    "DOWNLOAD_DEADLINE_SECONDS": (
        "300",
        "fetch_data.py only: the whole download, retries included, must end within this many seconds",
    ),
    "MAX_INPUT_BYTES": (
        "67108864",
        "the largest raw or test file read, in bytes (memory use is about 15 times the file size)",
    ),
    "REGISTRY_DIR": ("/registry", "the model registry (mount its volume): one folder per version, the champion pointer; empty: none here, the verdict is reported and nothing recorded"),
    "MAX_REGRESSION": ("0.005", "a challenger that passed the gate is promoted unless its test_acc is below the champion's on the same rows by more than this"),
    "REGISTRY_LOCK_TIMEOUT_SECONDS": (
        "600",
        "how long a run waits for another run's lock on the registry before it gives up (exit 7, nothing written)",
    ),
    "SERVE_PORT": ("8080", "serve.py only: the port the prediction service listens on inside the container"),
    "SERVE_WORKERS": ("2", "serve.py only: how many server processes answer requests (each loads the champion)"),
    "SERVE_MAX_ROWS": ("10000", "serve.py only: the most rows one prediction request may hold (more: 413)"),
    "SERVE_MAX_BODY_BYTES": ("10485760", "serve.py only: the largest prediction request body, in bytes (larger: 413)"),
    "SERVE_POLL_SECONDS": ("1", "serve.py only: how often the service reads the champion pointer to follow a promotion"),
    "REQUEST_LOG_DIR": ("/requests", "serve.py only: the request log's folder (mount its volume); empty: no request log"),
    "REQUEST_LOG_SAMPLE_RATE": ("0.01", "serve.py only: the fraction of prediction requests written to the request log (0 to 1)"),
    "REQUEST_LOG_MAX_BYTES": ("67108864", "serve.py only: the request log's size cap in bytes, its rotated file included"),
}

EXIT_OK = 0
EXIT_CRASH = 1
EXIT_BAD_INPUT = 2
EXIT_GATE_FAILED = 3
EXIT_DOWNLOAD_FAILED = 4
EXIT_STOPPED = 5  # SIGTERM or SIGINT (docker stop, Ctrl-C): the stage stopped and removed its partial outputs
EXIT_BAD_REGISTRY = 6
EXIT_REGISTRY_BUSY = 7  # another run held the registry's lock for REGISTRY_LOCK_TIMEOUT_SECONDS: nothing was written

METRICS_FIELDS: tuple[str, ...] = (
    "validation_acc", "test_acc", "gate_passed", "threshold", "model", "seed", "split", "data", "rows", "seconds",
    "promoted", "champion", "delta_vs_champion", "registry", "groups",
)
