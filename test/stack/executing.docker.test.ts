import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { readDeclarations } from "../../config/declaredConfig";
import { buildModelImage } from "../support/modelImage";
import { checkoutId, repoRoot, sharedDataDir } from "../support/paths";
import { screenshotReport } from "../support/reportScreenshot";
import { serveArchive } from "./support/archiveMirror";
import { CommandRun, realModelEffects } from "./support/realEffects";
import { resourceNamed, runStack } from "./support/stackHarness";

/** This clone's stack: the names it makes on the Docker host are its own. */
const stackName = `test-${checkoutId}`;

/** A whole program run in its own process, so a failed deployment can end it as it ends `pulumi up`. */
async function runStackProcess(config: Record<string, string>): Promise<{ status: number | null; stderr: string }> {
    const child = spawn(
        process.execPath,
        ["--import", "tsx", path.join(__dirname, "support", "stackProcess.ts"), JSON.stringify(config), stackName],
        {
            stdio: ["ignore", "ignore", "pipe"],
        },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    return { status, stderr };
}

/** The metrics line the real gated run printed, as the pipeline's own contract gives it. */
function printedMetrics(runs: CommandRun[]) {
    const pipelineRun = runs.find((run) => run.name === "pipeline-run");
    assert.ok(pipelineRun, "the pipeline command ran");
    return JSON.parse(pipelineRun.stdout.trimEnd().split("\n").pop() ?? "");
}

/** The registry volume the stack would create (the mocks do not): each test starts from an empty registry. */
const registryVolume = `adult-mlops-${stackName}-registry`;
const reportsDir = path.join(repoRoot, "reports", stackName);

/** What the prediction service's start left (the mocks run no destroy); its container keeps the registry volume in use. */
function removeService(): void {
    spawnSync("docker", ["rm", "--force", `adult-mlops-${stackName}-model-service`]);
    spawnSync("docker", ["volume", "rm", "--force", `adult-mlops-${stackName}-request-log`]);
}

function freshRegistry(): void {
    removeService();
    spawnSync("docker", ["volume", "rm", "--force", registryVolume]);
    execFileSync("docker", ["volume", "create", registryVolume], { stdio: "ignore" });
    fs.rmSync(reportsDir, { recursive: true, force: true });
}

describe("pulumi up with a real model image build and a real gated run", { timeout: 25 * 60_000 }, () => {
    before(freshRegistry);
    after(() => {
        removeService();
        spawnSync("docker", ["volume", "rm", "--force", registryVolume]);
        fs.rmSync(reportsDir, { recursive: true, force: true });
    });

    it("promotes the first model, rejects a weaker challenger (logreg) and keeps the champion; the report shows every figure", async () => {
        freshRegistry();
        const first = await runStack({ dataSource: sharedDataDir }, realModelEffects([]), { stack: stackName });
        assert.equal(first.outputs.promoted, true, "the first model needs only the gate");
        assert.equal(first.outputs.deltaVsChampion, null);
        const champion = first.outputs.champion as { version: number; validation_acc: number; test_acc: number };
        assert.deepEqual(champion, {
            version: 1,
            validation_acc: first.outputs.validationAccuracy,
            test_acc: first.outputs.testAccuracy,
        });
        assert.equal(first.outputs.reportFile, path.join(reportsDir, "1", "report.html"));

        const runs: CommandRun[] = [];
        const second = await runStack({ dataSource: sharedDataDir, model: "logreg" }, realModelEffects(runs), {
            stack: stackName,
        });
        const printed = printedMetrics(runs);
        assert.equal(second.outputs.gatePassed, true, "logreg passes the gate: the rule, not the gate, rejects it");
        assert.equal(second.outputs.promoted, false);
        assert.deepEqual(second.outputs.champion, champion, "the champion stays the first model");
        const delta = second.outputs.deltaVsChampion as Record<string, { old: number; new: number; diff: number }>;
        assert.ok(
            delta.test_acc.diff < -0.005,
            `logreg is worse than the champion on the same rows by more than maxRegression: ${JSON.stringify(delta.test_acc)}`,
        );
        assert.equal(delta.test_acc.new, printed.test_acc);
        assert.ok(delta.roc_auc.diff < 0 && delta.pr_auc.diff < 0);
        assert.match(printed.registry.reason, /worse than the champion by more than maxRegression 0\.005/);
        assert.equal(printed.registry.version, 2);
        for (const attribute of ["sex", "race"]) {
            const figures = printed.groups[attribute];
            assert.ok(Object.keys(figures.groups).length >= 2 && figures.demographic_parity_difference > 0, attribute);
        }

        const reportFile = second.outputs.reportFile as string;
        assert.equal(reportFile, path.join(reportsDir, "2", "report.html"));
        const html = fs.readFileSync(reportFile, "utf8");
        assert.match(html, /v2 rejected, champion stays v1/);
        assert.ok(fs.existsSync(first.outputs.reportFile), "the first run's report is still there");
        const png = path.join(os.tmpdir(), `report-${process.pid}.png`);
        try {
            const shot = screenshotReport(reportFile, png);
            assert.deepEqual(shot, { decoded: 5, images: 5 }, "every figure loaded in Chromium");
            assert.ok(fs.statSync(png).size > 10_000, "a real screenshot was written");
        } finally {
            fs.rmSync(png, { force: true });
        }
    });

    it("refuses to run without the registry volume, naming it (a run never creates an empty registry)", async () => {
        removeService();
        spawnSync("docker", ["volume", "rm", "--force", registryVolume]);
        // In a process of its own, as `pulumi up` fails: the deployment stops with the command's status and message.
        const failing = await runStackProcess({ dataSource: sharedDataDir });
        assert.notEqual(failing.status, 0);
        assert.match(
            failing.stderr,
            new RegExp(
                `command pipeline-run exited 6: error: the model registry volume ${registryVolume} does not exist`,
            ),
        );
        assert.equal(spawnSync("docker", ["volume", "inspect", registryVolume]).status, 1, "still not created");
        freshRegistry();
    });
    it("passes the gate on the official split and reports the printed figures as stack outputs", async () => {
        const runs: CommandRun[] = [];
        const stack = await runStack({ dataSource: sharedDataDir }, realModelEffects(runs), { stack: stackName });
        const printed = printedMetrics(runs);

        assert.equal(stack.outputs.validationAccuracy, printed.validation_acc);
        assert.equal(stack.outputs.testAccuracy, printed.test_acc);
        assert.equal(stack.outputs.gatePassed, true);
        assert.deepEqual(stack.outputs.pipelineMetrics, printed);
        assert.equal(stack.outputs.threshold, Number(readDeclarations(repoRoot).threshold.default));
        assert.equal(printed.split, "official");
        assert.ok(printed.test_acc >= 0.87, `official-split test accuracy ${printed.test_acc} reaches the 0.87 target`);
        assert.ok(printed.validation_acc >= printed.threshold);

        const image = stack.outputs.modelImage as { name: string; digest: string };
        const builtId = execFileSync("docker", ["image", "inspect", "--format", "{{.Id}}", image.name], {
            encoding: "utf8",
        }).trim();
        assert.equal(image.digest, builtId);
        assert.equal(
            resourceNamed(stack, "command:local:Command", "pipeline-run").inputs.environment.MODEL_IMAGE,
            builtId,
        );
    });

    it("runs from a data directory whose path holds + and a data file whose name holds a space", async () => {
        const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "adult-data-"));
        try {
            const dataDir = path.join(scratch, "data+v2");
            fs.mkdirSync(dataDir);
            fs.copyFileSync(path.join(sharedDataDir, "adult.csv"), path.join(dataDir, "adult data.csv"));
            const runs: CommandRun[] = [];
            const stack = await runStack(
                { dataSource: dataDir, rawDataFile: "adult data.csv", testDataFile: "" },
                realModelEffects(runs),
                { stack: stackName },
            );
            const printed = printedMetrics(runs);
            assert.equal(printed.data.raw_file, "/data/adult data.csv");
            assert.equal(printed.split, "random");
            assert.equal(stack.outputs.validationAccuracy, printed.validation_acc);
        } finally {
            fs.rmSync(scratch, { recursive: true, force: true });
        }
    });

    describe("from a URL source (a mirror of the UCI archive in a container, on a network of the test)", () => {
        const dataVolume = `adult-mlops-${stackName}-data`;
        after(() => spawnSync("docker", ["volume", "rm", "--force", dataVolume]));

        it("downloads and verifies the archive once, and reports a failed gate without a test accuracy", async () => {
            const mirror = await serveArchive(
                sharedDataDir,
                ["adult.data", "adult.test", "adult.names"],
                buildModelImage(),
            );
            // The pipeline command (and the stack process below) inherit it: the download runs on the mirror's network.
            process.env.FETCH_NETWORK = mirror.network;
            try {
                spawnSync("docker", ["volume", "rm", "--force", dataVolume]);
                const runs: CommandRun[] = [];
                const stack = await runStack({ dataSource: mirror.url, threshold: "0.99" }, realModelEffects(runs), {
                    stack: stackName,
                });
                const printed = printedMetrics(runs);

                assert.equal(mirror.requests(), 1, "the archive was downloaded");
                assert.equal(stack.outputs.gatePassed, false);
                assert.equal(stack.outputs.testAccuracy, null);
                assert.equal(stack.outputs.validationAccuracy, printed.validation_acc);
                assert.ok(printed.validation_acc < 0.99);
                assert.equal(printed.seconds.test, null, "the test stage did not run");
                const pipelineRun = runs.find((run) => run.name === "pipeline-run");
                assert.match(
                    pipelineRun?.stderr ?? "",
                    /warning: the gate stopped the pipeline: validation accuracy is below THRESHOLD=0\.99/,
                    "the run itself says so",
                );

                const failing = await runStackProcess({
                    dataSource: mirror.url,
                    threshold: "0.99",
                    failOnGate: "true",
                });
                assert.equal(mirror.requests(), 1, "the second run used the verified copy cached in the volume");
                assert.notEqual(failing.status, 0, "with failOnGate, pulumi up fails");
                assert.match(
                    failing.stderr,
                    /command pipeline-run exited 3: .*the gate stopped the pipeline \(validation accuracy below THRESHOLD=0\.99\) and failOnGate is true/s,
                );
            } finally {
                delete process.env.FETCH_NETWORK;
                mirror.close();
            }
        });
    });
});
