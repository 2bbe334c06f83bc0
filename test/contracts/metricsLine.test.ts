import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parsePipelineMetrics } from "../../contracts/metricsLine";
import { repoRoot } from "../support/paths";
import { contractShapedMetrics } from "./metricsFixture";

const passed = contractShapedMetrics;

describe("reading the gated run's metrics line", () => {
    it("takes the last line and leaves the stage logs before it", () => {
        const metrics = parsePipelineMetrics(`preprocessing: 30162 rows\ntrain: done\n${JSON.stringify(passed)}\n`);
        assert.deepEqual(metrics, passed);
    });

    it("accepts a failed gate only with a null test accuracy", () => {
        const stopped = { ...passed, gate_passed: false, test_acc: null, seconds: { ...passed.seconds, test: null } };
        assert.equal(parsePipelineMetrics(JSON.stringify(stopped)).test_acc, null);
        assert.throws(
            () => parsePipelineMetrics(JSON.stringify({ ...stopped, test_acc: 0.5 })),
            /test_acc: a number after a passed gate and null after a failed one/,
        );
    });

    it("refuses output that breaks the contract", () => {
        assert.throws(() => parsePipelineMetrics("Traceback (most recent call last):"), /last stdout line is not JSON/);
        assert.throws(() => parsePipelineMetrics(""), /not JSON/);
        assert.throws(() => parsePipelineMetrics("[1,2]"), /the line: Invalid input: expected object, received array/);
        assert.throws(
            () => parsePipelineMetrics(JSON.stringify({ ...passed, validation_acc: 1.2 })),
            /validation_acc: Too big: expected number to be <=1/,
        );
        assert.throws(
            () => parsePipelineMetrics(JSON.stringify({ ...passed, gate_passed: "yes" })),
            /gate_passed: Invalid input: expected boolean/,
        );
        assert.throws(() => parsePipelineMetrics(JSON.stringify({ ...passed, split: "other" })), /split/);
        assert.throws(
            () => parsePipelineMetrics(JSON.stringify({ ...passed, rows: "many" })),
            /rows: Invalid input: expected object, received string/,
        );
        assert.throws(
            () => parsePipelineMetrics(JSON.stringify({ ...passed, rows: undefined })),
            /rows: Invalid input: expected object, received undefined/,
        );
        assert.throws(() => parsePipelineMetrics(JSON.stringify({ ...passed, extra: 1 })), /Unrecognized key: "extra"/);
        assert.throws(
            () => parsePipelineMetrics(JSON.stringify({ ...passed, promoted: false })),
            /promoted: true exactly when registry.verdict is promoted/,
        );
        const escaping = { ...passed, registry: { ...passed.registry, report: "../../etc/passwd" } };
        assert.throws(
            () => parsePipelineMetrics(JSON.stringify(escaping)),
            /registry.report: not a path inside the registry's versions folder/,
        );
        assert.throws(
            () => parsePipelineMetrics(JSON.stringify({ ...passed, registry: null })),
            /registry: Invalid input: expected object, received null/,
        );
        const unnumbered = { ...passed, registry: { ...passed.registry, version: null } };
        assert.throws(
            () => parsePipelineMetrics(JSON.stringify(unnumbered)),
            /registry.version: a version is null exactly when the verdict is "not recorded"/,
        );
    });

    it("accepts a build host's line: not recorded, with no version and no report", () => {
        const notRecorded = {
            ...passed,
            promoted: false,
            registry: {
                version: null,
                verdict: "not recorded",
                reason: "no model registry on this build host",
                report: null,
            },
        };
        assert.deepEqual(parsePipelineMetrics(JSON.stringify(notRecorded)).registry, notRecorded.registry);
        const numbered = { ...notRecorded, registry: { ...notRecorded.registry, version: 3 } };
        assert.throws(
            () => parsePipelineMetrics(JSON.stringify(numbered)),
            /registry.version: a version is null exactly when the verdict is "not recorded"/,
        );
    });

    it("reads ml/README.md's sample line, every field of it (the sample cannot drift from the contract)", () => {
        const readme = fs.readFileSync(path.join(repoRoot, "ml", "README.md"), "utf8");
        const samples = readme.split("\n").filter((line) => line.startsWith('{"validation_acc"'));
        assert.equal(samples.length, 1, "one sample metrics line");
        const sample = parsePipelineMetrics(samples[0]);
        assert.equal(sample.model, "xgb");
    });
});
