import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import { MODEL_IMAGE_ENVIRONMENT } from "../../contracts/modelImage";
import { parseServedModel, SERVE_LIMITS, serviceEnvironment } from "../../contracts/modelService";
import { repoRoot } from "../support/paths";

const withLog = {
    hostPort: 8090,
    maxRows: 10000,
    maxBodyBytes: 10485760,
    requestLog: { sampleRate: 0.01, maxBytes: 67108864 },
};

describe("the prediction service's environment", () => {
    it("names in SERVICE_ENV_VARS exactly the image's variables it sets, so the script hands over no other", () => {
        for (const settings of [withLog, { ...withLog, requestLog: undefined }]) {
            const { SERVICE_ENV_VARS, ...values } = serviceEnvironment(settings);
            assert.deepEqual(SERVICE_ENV_VARS.split(" "), Object.keys(values));
            for (const name of Object.keys(values)) {
                assert.ok(name in MODEL_IMAGE_ENVIRONMENT, `${name} is a variable the image reads`);
            }
        }
    });

    it("listens on the image's SERVE_PORT and writes the request log to the image's REQUEST_LOG_DIR", () => {
        assert.deepEqual(serviceEnvironment(withLog), {
            SERVE_PORT: MODEL_IMAGE_ENVIRONMENT.SERVE_PORT.default,
            SERVE_MAX_ROWS: "10000",
            SERVE_MAX_BODY_BYTES: "10485760",
            REQUEST_LOG_DIR: MODEL_IMAGE_ENVIRONMENT.REQUEST_LOG_DIR.default,
            REQUEST_LOG_SAMPLE_RATE: "0.01",
            REQUEST_LOG_MAX_BYTES: "67108864",
            SERVICE_ENV_VARS:
                "SERVE_PORT SERVE_MAX_ROWS SERVE_MAX_BODY_BYTES REQUEST_LOG_DIR REQUEST_LOG_SAMPLE_RATE REQUEST_LOG_MAX_BYTES",
        });
    });

    // Catches REQUEST_LOG_MAX_BYTES=0 handed to serve.py, which refuses a cap below MIN_REQUEST_LOG_BYTES.
    it("without a request log, sets REQUEST_LOG_DIR empty and leaves the log's other variables at the image's defaults", () => {
        const environment = serviceEnvironment({ ...withLog, requestLog: undefined });
        assert.equal(environment.REQUEST_LOG_DIR, "");
        assert.equal("REQUEST_LOG_MAX_BYTES" in environment || "REQUEST_LOG_SAMPLE_RATE" in environment, false);
    });

    it("has the bounds serve.py checks its settings against", () => {
        const python = JSON.parse(
            execFileSync(
                "/usr/bin/python3",
                [
                    "-c",
                    "import json\nfrom adult_pipeline.serving import settings as s\nprint(json.dumps([s.MAX_ROWS_LIMIT, s.MAX_BODY_BYTES_LIMIT, s.MIN_REQUEST_LOG_BYTES]))",
                ],
                { cwd: path.join(repoRoot, "ml"), encoding: "utf8" },
            ),
        );
        assert.deepEqual([SERVE_LIMITS.maxRows, SERVE_LIMITS.maxBytes, SERVE_LIMITS.minRequestLogBytes], python);
    });
});

describe("reading the prediction service's start line", () => {
    it("takes the last line, with the champion served or none", () => {
        assert.deepEqual(
            parseServedModel('waiting\n{"url": "http://127.0.0.1:8090", "version": 3, "model": "xgb"}\n'),
            {
                url: "http://127.0.0.1:8090",
                servedModel: { version: 3, model: "xgb" },
            },
        );
        assert.deepEqual(parseServedModel('{"url": "http://127.0.0.1:8090", "version": null, "model": null}'), {
            url: "http://127.0.0.1:8090",
            servedModel: null,
        });
    });

    it("refuses a line that breaks the contract, saying what is wrong", () => {
        const line = (fields: Record<string, unknown>) =>
            JSON.stringify({ url: "http://127.0.0.1:8090", version: 3, model: "xgb", ...fields });
        const refusals: [string, RegExp][] = [
            [
                "Traceback (most recent call last):",
                /the prediction service's start printed "Traceback \(most recent call last\):" as its last line: not JSON/,
            ],
            ["[1]", /: not a JSON object$/],
            [line({ extra: 1 }), /: it has the fields extra, model, url, version; expected model, url, version$/],
            [line({ url: "http://0.0.0.0:8090" }), /: url is not http:\/\/127\.0\.0\.1:PORT$/],
            [line({ version: "3" }), /: version is not a registry version/],
            [line({ version: 0 }), /: version is not a registry version/],
            [
                line({ version: null }),
                /: version is not a registry version \(a whole number from 1\), nor null with a null model$/,
            ],
            [line({ model: "svm" }), /: model is not one of xgb, hgb, logreg, nor null with a null version$/],
            [line({ model: null }), /: model is not one of/],
        ];
        for (const [stdout, message] of refusals) {
            assert.throws(() => parseServedModel(stdout), message, stdout);
        }
    });
});
