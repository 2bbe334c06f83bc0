/**
 * Data drills (issue 17, items 3 and 9): training data repeated to pass the gate, and a misspelt
 * variable, run for real. The repeated data goes through the stack's pipeline command
 * (scripts/run-gated-pipeline.sh) as `pulumi up` runs it; the misspelling through `docker run -e`,
 * the only way a variable the callers do not hand over reaches the image.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { buildModelImage, testModelImageTag } from "../support/modelImage";
import { sharedDataDir } from "../support/paths";
import { docker, drillName, PipelineRun, pipelineEnvironment, startPipeline } from "./support";

const image = testModelImageTag;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "adult-data-drills-"));
const COPIES = 10;

before(() => {
    buildModelImage();
    fs.chmodSync(scratch, 0o755);
});
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** The metrics line of a run (its last JSON line on stdout). */
function metricsOf(run: PipelineRun): Record<string, any> {
    const line = run.stdout
        .split("\n")
        .filter((candidate) => candidate.startsWith("{"))
        .pop();
    assert.ok(line !== undefined, run.stderr);
    return JSON.parse(line);
}

/**
 * The stack's pipeline command on `folder`'s adult.data / adult.test with the default model, given memory
 * for the 40 MB file (a run needs about 15 times it: the default modelMemoryLimit, 512m, is for the real files).
 */
async function stackRun(folder: string, threshold: number): Promise<PipelineRun> {
    const settings = { model: "xgb" as const, threshold, rawDataFile: "adult.data", testDataFile: "adult.test" };
    const extra = { PIPELINE_CONTAINER: drillName("data"), MODEL_MEMORY_LIMIT: "2g" };
    return startPipeline(pipelineEnvironment(image, { kind: "directory", path: folder }, "", settings, extra)).done;
}

describe("drill: adult.data repeated 10 times does not pass a gate one copy fails", { timeout: 20 * 60_000 }, () => {
    const repeated = path.join(scratch, "repeated");

    before(() => {
        fs.mkdirSync(repeated, { mode: 0o755 });
        const lines = fs
            .readFileSync(path.join(sharedDataDir, "adult.data"), "utf8")
            .split("\n")
            .filter((line) => line.trim() !== "");
        fs.writeFileSync(
            path.join(repeated, "adult.data"),
            Array.from({ length: COPIES }, () => lines.join("\n") + "\n").join(""),
            { mode: 0o644 },
        );
        fs.copyFileSync(path.join(sharedDataDir, "adult.test"), path.join(repeated, "adult.test"));
        fs.chmodSync(path.join(repeated, "adult.test"), 0o644);
    });

    // Before the copies were grouped: validation 0.8870 against 0.8739 for one copy; the gate at 0.88 passed and the model was promoted.
    test("the gate at 0.88 stops both runs, nothing is promoted, and the copies are all counted", async () => {
        const once = await stackRun(sharedDataDir, 0.88);
        const ten = await stackRun(repeated, 0.88);
        assert.equal(once.status, 0, once.stderr);
        assert.equal(ten.status, 0, ten.stderr);
        const [one, many] = [metricsOf(once), metricsOf(ten)];
        console.log(
            `# validation_acc: one copy ${one.validation_acc.toFixed(4)}, ${COPIES} copies ${many.validation_acc.toFixed(4)}`,
        );
        assert.ok(
            Math.abs(many.validation_acc - one.validation_acc) <= 0.005,
            `${one.validation_acc} against ${many.validation_acc}`,
        );
        for (const metrics of [one, many]) {
            assert.equal(metrics.gate_passed, false);
            assert.equal(metrics.promoted, false);
            assert.equal(metrics.test_acc, null);
        }
        assert.equal(many.rows.train, COPIES * one.rows.train, "every copy is trained on and counted");
        assert.match(
            ten.stderr,
            /warning: the gate stopped the pipeline: validation accuracy is below THRESHOLD=0\.88/,
        );
    });
});

describe("drill: a misspelt variable is named, and the gate keeps its default", { timeout: 10 * 60_000 }, () => {
    test("THRESHHOLD and threshold each get one warning naming THRESHOLD; the image's own variables none", () => {
        const run = docker([
            "run",
            "--rm",
            "--network",
            "none",
            "--read-only",
            "--tmpfs",
            "/work:uid=10001,gid=10001",
            "-v",
            `${sharedDataDir}:/data:ro`,
            "-e",
            "THRESHHOLD=0.99",
            "-e",
            "threshold=0.99",
            "-e",
            "MODEL=hgb",
            "-e",
            "RAW_DATA_FILE=adult.data",
            "-e",
            "TEST_DATA_FILE=adult.test",
            "-e",
            "REGISTRY_DIR=",
            "-e",
            "BUILD_NUMBER=7",
            "-e",
            "JENKINS_HOME=/var/jenkins_home",
            "-e",
            "DATA_DIR=/srv/data",
            image,
        ]);
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(
            run.stderr.split("\n").filter((line) => line.startsWith("warning:")),
            [
                "warning: THRESHHOLD is not a setting of this image and is ignored; did you mean THRESHOLD?",
                "warning: threshold is not a setting of this image and is ignored; did you mean THRESHOLD?",
            ],
        );
        const metrics = JSON.parse(run.stdout.trim().split("\n").pop() ?? "");
        assert.equal(metrics.threshold, 0.8, "the misspelt values are not used");
        assert.equal(metrics.gate_passed, true);
    });
});
