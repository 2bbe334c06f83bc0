/**
 * The model image's contract, for its TypeScript callers (the stack's pipeline command and the
 * Jenkins jobs): the environment variables it reads, how it and its callers exit, the fields of its
 * metrics line. ml/adult_pipeline/contract.json states it once; the image's Python reads the same file.
 */
import contract from "../ml/adult_pipeline/contract.json";

/** One of the contract's modelNames (config/validators.ts parseModel checks a setting against them). */
export type ModelName = string;
export const MODEL_NAMES: readonly ModelName[] = contract.modelNames;

export interface EnvironmentVariable {
    default: string;
    meaning: string;
}

/** Every variable the image's scripts read, with the value used when it is unset. */
export const MODEL_IMAGE_ENVIRONMENT: Readonly<Record<keyof typeof contract.environment, EnvironmentVariable>> =
    contract.environment;

export type ModelImageVariable = keyof typeof MODEL_IMAGE_ENVIRONMENT;

function codes<Name extends string>(statuses: Record<Name, { code: number }>): Readonly<Record<Name, number>> {
    return Object.fromEntries(
        Object.entries<{ code: number }>(statuses).map(([name, status]) => [name, status.code]),
    ) as Record<Name, number>;
}

/** How every script of the image exits (the contract's exitStatus: code and meaning). */
export const EXIT_STATUS = codes(contract.exitStatus);

/**
 * How the image's callers (scripts/run-gated-pipeline.sh, scripts/prepare-data.sh, scripts/model-service.sh,
 * the Jenkins jobs, all through scripts/model-container.sh) exit when a run fails outside the image; each
 * with one `error:` line naming the cause and the fix. Otherwise they exit with the image's own status.
 */
export const CALLER_EXIT_STATUS = codes(contract.callerExitStatus);

/** The top-level fields of the metrics line, the last line of stdout of the gated run, in their order. */
export const METRICS_FIELDS = Object.keys(contract.metricsFields) as (keyof typeof contract.metricsFields)[];

/** Where a run's model went in the registry; "not recorded" on a build host without the registry. */
export const REGISTRY_VERDICTS = contract.registryVerdicts;

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
