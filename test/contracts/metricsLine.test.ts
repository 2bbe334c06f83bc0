import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePipelineMetrics } from "../../contracts/metricsLine";
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
        assert.throws(() => parsePipelineMetrics(JSON.stringify({ ...stopped, test_acc: 0.5 })), /test_acc is not null after a failed gate/);
    });

    it("refuses output that breaks the contract", () => {
        assert.throws(() => parsePipelineMetrics("Traceback (most recent call last):"), /last stdout line is not JSON/);
        assert.throws(() => parsePipelineMetrics(""), /not JSON/);
        assert.throws(() => parsePipelineMetrics("[1,2]"), /metrics is not a JSON object/);
        assert.throws(() => parsePipelineMetrics(JSON.stringify({ ...passed, validation_acc: 1.2 })), /validation_acc is not a number from 0 to 1/);
        assert.throws(() => parsePipelineMetrics(JSON.stringify({ ...passed, gate_passed: "yes" })), /gate_passed is not a boolean/);
        assert.throws(() => parsePipelineMetrics(JSON.stringify({ ...passed, split: "other" })), /split/);
        assert.throws(() => parsePipelineMetrics(JSON.stringify({ ...passed, rows: "many" })), /rows is not a JSON object/);
        assert.throws(() => parsePipelineMetrics(JSON.stringify({ ...passed, rows: undefined })), /has the fields .*; expected .*rows/);
        assert.throws(() => parsePipelineMetrics(JSON.stringify({ ...passed, extra: 1 })), /has the fields .*extra/);
        assert.throws(() => parsePipelineMetrics(JSON.stringify({ ...passed, promoted: false })), /promoted is not a boolean that agrees with registry\.verdict/);
        const escaping = { ...passed, registry: { ...passed.registry, report: "../../etc/passwd" } };
        assert.throws(() => parsePipelineMetrics(JSON.stringify(escaping)), /registry\.report is not null or a path inside/);
        assert.throws(() => parsePipelineMetrics(JSON.stringify({ ...passed, registry: null })), /registry is not a JSON object/);
    });
});
