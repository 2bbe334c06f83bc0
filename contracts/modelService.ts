import { ServeSettings } from "../config/stackSettings";
import { MODEL_IMAGE_ENVIRONMENT, MODEL_NAMES, ModelImageVariable, ModelName } from "./modelImage";

/**
 * The prediction service's contract for its caller, scripts/model-service.sh (the ModelService
 * component's command): the environment the service container gets, and the line the script ends with.
 */

/**
 * The ranges serve.py accepts (ml/adult_pipeline/serving/settings.py), which the stack's settings are
 * checked against so that a value it would refuse fails the preview rather than the service's start.
 */
export const SERVE_LIMITS = {
    /** SERVE_MAX_ROWS at most (MAX_ROWS_LIMIT). */
    maxRows: 1_000_000,
    /** SERVE_MAX_BODY_BYTES and REQUEST_LOG_MAX_BYTES at most (MAX_BODY_BYTES_LIMIT): 1 GiB. */
    maxBytes: 1024 ** 3,
    /** REQUEST_LOG_MAX_BYTES at least (MIN_REQUEST_LOG_BYTES): a record must fit in the live file's share of it. */
    minRequestLogBytes: 65536,
} as const;

/**
 * The service container's environment from the typed settings, and SERVICE_ENV_VARS naming those
 * variables, so that the script hands the container exactly these (`--env NAME` for each). It listens
 * on the image's own SERVE_PORT, which the script publishes on 127.0.0.1:servePort. Without a request
 * log REQUEST_LOG_DIR is empty and the log's other variables keep the image's defaults, unused.
 */
export function serviceEnvironment(settings: ServeSettings): Record<string, string> {
    const requestLog: Partial<Record<ModelImageVariable, string>> =
        settings.requestLog === undefined
            ? { REQUEST_LOG_DIR: "" }
            : {
                  REQUEST_LOG_DIR: MODEL_IMAGE_ENVIRONMENT.REQUEST_LOG_DIR.default,
                  REQUEST_LOG_SAMPLE_RATE: String(settings.requestLog.sampleRate),
                  REQUEST_LOG_MAX_BYTES: String(settings.requestLog.maxBytes),
              };
    const values: Partial<Record<ModelImageVariable, string>> = {
        SERVE_PORT: MODEL_IMAGE_ENVIRONMENT.SERVE_PORT.default,
        SERVE_MAX_ROWS: String(settings.maxRows),
        SERVE_MAX_BODY_BYTES: String(settings.maxBodyBytes),
        ...requestLog,
    };
    return { ...values, SERVICE_ENV_VARS: Object.keys(values).join(" ") };
}

/** The champion the service serves. */
export interface ServedModel {
    /** Its version in the model registry. */
    version: number;
    model: ModelName;
}

/** What scripts/model-service.sh start prints as its last stdout line, typed. */
export interface ServiceStatus {
    /** Where the service answers on the Docker host: `http://127.0.0.1:PORT`. */
    url: string;
    /** Null while the registry has no champion (the service answers 503 to predictions). */
    servedModel: ServedModel | null;
}

const STATUS_FIELDS = ["model", "url", "version"];

/** Reads `{"url": "http://127.0.0.1:PORT", "version": N | null, "model": NAME | null}`, the last stdout line of the start. */
export function parseServedModel(stdout: string): ServiceStatus {
    const lastLine = stdout.trimEnd().split("\n").pop() ?? "";
    const shown = JSON.stringify(lastLine.slice(0, 200));
    const fail = (what: string): never => {
        throw new Error(`the prediction service's start printed ${shown} as its last line: ${what}`);
    };
    let value: unknown;
    try {
        value = JSON.parse(lastLine);
    } catch {
        return fail('not JSON; expected {"url": …, "version": …, "model": …}');
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return fail("not a JSON object");
    }
    const status = value as Record<string, unknown>;
    const fields = Object.keys(status).sort();
    if (JSON.stringify(fields) !== JSON.stringify(STATUS_FIELDS)) {
        return fail(`it has the fields ${fields.join(", ")}; expected ${STATUS_FIELDS.join(", ")}`);
    }
    const { url, version, model } = status;
    if (typeof url !== "string" || !/^http:\/\/127\.0\.0\.1:[1-9][0-9]{0,4}$/.test(url)) {
        return fail("url is not http://127.0.0.1:PORT");
    }
    if (version === null && model === null) {
        return { url, servedModel: null };
    }
    if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
        return fail("version is not a registry version (a whole number from 1), nor null with a null model");
    }
    const servedModel = MODEL_NAMES.find((name) => name === model);
    if (servedModel === undefined) {
        return fail(`model is not one of ${MODEL_NAMES.join(", ")}, nor null with a null version`);
    }
    return { url, servedModel: { version, model: servedModel } };
}
