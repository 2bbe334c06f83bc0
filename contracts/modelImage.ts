/**
 * The model image's contract, for its TypeScript callers (the stack's pipeline command and the
 * Jenkins jobs): the environment variables it reads, how it exits, the fields of its metrics line.
 * The image's own definition is ml/adult_pipeline/contract.py; test/contracts/modelImage.test.ts fails
 * when this file, the Python one, ml/Dockerfile, the shell scripts or ml/README.md disagree.
 */

export const MODEL_NAMES = ["xgb", "hgb", "logreg"] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface EnvironmentVariable {
    default: string;
    meaning: string;
}

/** Every variable the image's scripts read, with the value used when it is unset. */
export const MODEL_IMAGE_ENVIRONMENT = {
    RAW_DATA_DIR: { default: "/data", meaning: "folder with the raw data (mount it read-only)" },
    RAW_DATA_FILE: { default: "adult.csv", meaning: "training data file in RAW_DATA_DIR" },
    TEST_DATA_FILE: { default: "", meaning: "official held-out test file in RAW_DATA_DIR; empty: a stratified random 70/30 split" },
    PROCESSED_DATA_DIR: { default: "/work/processed", meaning: "train.csv, test.csv, manifest.json" },
    MODEL_DIR: { default: "/work/model", meaning: "model.json, and model.ubj (xgb) or model.joblib (hgb, logreg)" },
    RESULTS_DIR: { default: "/work/results", meaning: "train_metadata.json, test_metadata.json" },
    THRESHOLD: { default: "0.8", meaning: "the gate: the run goes on to test only if validation_acc >= THRESHOLD" },
    MODEL: { default: "xgb", meaning: `the model to train: ${MODEL_NAMES.join(", ")}` },
    SEED: { default: "42", meaning: "seeds the random split, the cross-validation folds and the model" },
    DATA_URL: { default: "https://archive.ics.uci.edu/static/public/2/adult.zip", meaning: "fetch_data.py only: where the UCI archive is downloaded from" },
    DOWNLOAD_DEADLINE_SECONDS: { default: "300", meaning: "fetch_data.py only: the whole download, retries included, must end within this many seconds" },
    MAX_INPUT_BYTES: { default: "67108864", meaning: "the largest raw or test file read, in bytes (memory use is about 15 times the file size)" },
    REGISTRY_DIR: { default: "/registry", meaning: "the model registry (mount its volume): one folder per version, the champion pointer; empty: none here, the verdict is reported and nothing recorded" },
    MAX_REGRESSION: {
        default: "0.005",
        meaning: "a challenger that passed the gate is promoted unless its test_acc is below the champion's on the same rows by more than this",
    },
    REGISTRY_LOCK_TIMEOUT_SECONDS: {
        default: "600",
        meaning: "how long a run waits for another run's lock on the registry before it gives up (exit 7, nothing written)",
    },
    SERVE_PORT: { default: "8080", meaning: "serve.py only: the port the prediction service listens on inside the container" },
    SERVE_WORKERS: { default: "2", meaning: "serve.py only: how many server processes answer requests (each loads the champion)" },
    SERVE_MAX_ROWS: { default: "10000", meaning: "serve.py only: the most rows one prediction request may hold (more: 413)" },
    SERVE_MAX_BODY_BYTES: { default: "10485760", meaning: "serve.py only: the largest prediction request body, in bytes (larger: 413)" },
    SERVE_POLL_SECONDS: { default: "1", meaning: "serve.py only: how often the service reads the champion pointer to follow a promotion" },
    REQUEST_LOG_DIR: { default: "/requests", meaning: "serve.py only: the request log's folder (mount its volume); empty: no request log" },
    REQUEST_LOG_SAMPLE_RATE: { default: "0.01", meaning: "serve.py only: the fraction of prediction requests written to the request log (0 to 1)" },
    REQUEST_LOG_MAX_BYTES: { default: "67108864", meaning: "serve.py only: the request log's size cap in bytes, its rotated file included" },
} as const satisfies Record<string, EnvironmentVariable>;

export type ModelImageVariable = keyof typeof MODEL_IMAGE_ENVIRONMENT;

/** How every script of the image exits. */
export const EXIT_STATUS = {
    ok: 0,
    crash: 1,
    badInput: 2,
    gateFailed: 3,
    downloadFailed: 4,
    /** SIGTERM or SIGINT (docker stop): the stage stopped and removed its partial outputs. */
    stopped: 5,
    /** The model registry is missing, holds a file that does not parse or agree (nothing was written to it), or cannot be written (no space, no permission: the version is aborted). */
    badRegistry: 6,
    /** Another run held the registry's lock for REGISTRY_LOCK_TIMEOUT_SECONDS (its version, host and start are named): nothing was written. */
    registryBusy: 7,
} as const;

/**
 * How the image's callers (scripts/run-gated-pipeline.sh, scripts/prepare-data.sh, scripts/model-service.sh,
 * the Jenkins jobs, all through scripts/model-container.sh) exit when a run fails outside the image; each
 * with one `error:` line naming the cause and the fix. Otherwise they exit with the image's own status.
 */
export const CALLER_EXIT_STATUS = {
    /** The Docker engine did not answer, before or during the run. */
    engineUnreachable: 20,
    /** The model image is not on the engine. */
    imageMissing: 21,
    /** The container was killed for lack of memory (State.OOMKilled). */
    outOfMemory: 22,
    /** The container was killed by a signal from outside (docker kill, an engine restart). */
    killedBySignal: 23,
    /** The prediction service did not become healthy in time, or does not serve the version the registry's champion pointer names (or a newer one). */
    serviceUnhealthy: 24,
} as const;

/** The top-level fields of the metrics line, the last line of stdout of the gated run. */
export const METRICS_FIELDS = [
    "validation_acc",
    "test_acc",
    "gate_passed",
    "threshold",
    "model",
    "seed",
    "split",
    "data",
    "rows",
    "seconds",
    "promoted",
    "champion",
    "delta_vs_champion",
    "registry",
    "groups",
] as const;

/** The settings the stack chooses for a run; everything else keeps the image's default. */
export interface ModelRunSettings {
    threshold: number;
    /** The promotion's change threshold: how far below the champion a challenger may score and still be promoted. */
    maxRegression: number;
    model: ModelName;
    rawDataFile: string;
    /** Empty: a random split of the raw file. */
    testDataFile: string;
}

/**
 * The environment a caller of the image runs with: the settings' values under the image's variable
 * names, and MODEL_ENV_VARS listing those names, so the shell scripts hand the container exactly these
 * (`--env NAME` for each) without a list of their own. The one place the stack's command and the
 * Jenkins jobs turn settings into the model's environment.
 */
export function modelEnvironment(settings: ModelRunSettings): Record<string, string> {
    const values: Partial<Record<ModelImageVariable, string>> = {
        THRESHOLD: String(settings.threshold),
        MAX_REGRESSION: String(settings.maxRegression),
        MODEL: settings.model,
        RAW_DATA_FILE: settings.rawDataFile,
        TEST_DATA_FILE: settings.testDataFile,
    };
    return { ...values, MODEL_ENV_VARS: Object.keys(values).join(" ") };
}

/**
 * The limits every container of the model image runs with, whoever starts it (the stack's command, the
 * data fetch, the report export, the Jenkins jobs): scripts/model-container.sh puts them on each
 * `docker run` with the rest of the hardened flags, after checking them. The stack's modelMemoryLimit
 * and modelPidsLimit (Pulumi.yaml holds the defaults, measured in ml/README.md "Limits").
 */
export interface ModelContainerLimits {
    /** `--memory` and `--memory-swap` (no swap beyond it): a Docker size such as 512m. */
    memory: string;
    /** `--pids-limit`: processes and threads at once. */
    pids: number;
}

/** The limits as the callers' scripts read them: MODEL_MEMORY_LIMIT and MODEL_PIDS_LIMIT, both always set. */
export function modelContainerEnvironment(limits: ModelContainerLimits): Record<string, string> {
    return { MODEL_MEMORY_LIMIT: limits.memory, MODEL_PIDS_LIMIT: String(limits.pids) };
}

/** The exit statuses the callers' shell scripts act on or exit with, as environment variables. */
export function exitStatusEnvironment(): Record<string, string> {
    return {
        GATE_FAILED_STATUS: String(EXIT_STATUS.gateFailed),
        ENGINE_UNREACHABLE_STATUS: String(CALLER_EXIT_STATUS.engineUnreachable),
        IMAGE_MISSING_STATUS: String(CALLER_EXIT_STATUS.imageMissing),
        OUT_OF_MEMORY_STATUS: String(CALLER_EXIT_STATUS.outOfMemory),
        KILLED_STATUS: String(CALLER_EXIT_STATUS.killedBySignal),
        SERVICE_UNHEALTHY_STATUS: String(CALLER_EXIT_STATUS.serviceUnhealthy),
        BAD_REGISTRY_STATUS: String(EXIT_STATUS.badRegistry),
        /** A caller's own setting that is wrong (MODEL_MEMORY_LIMIT, MODEL_PIDS_LIMIT): refused before any container starts. */
        BAD_SETTING_STATUS: String(EXIT_STATUS.badInput),
    };
}
