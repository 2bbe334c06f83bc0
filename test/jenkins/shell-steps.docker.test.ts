/**
 * Runs the shell steps of the rendered config.xml files for real, in chain order, inside the
 * build agent container as the jenkins user, against the host's Docker engine (socket mounted),
 * the way Jenkins would: local mode, the project mounted read-only as the first job's workspace,
 * data from ../shared/data (directory mode), settings from the global environment in the JCasC.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { renderJenkins } from "../../jenkins/render";
import { JenkinsSettings } from "../../jenkins/settings";
import { buildModelImage } from "../support/modelImage";
import { freePort } from "../support/ports";
import { repoRoot, sharedDataDir } from "../support/paths";
import { ArchiveMirror, serveArchive } from "../stack/support/archiveMirror";
import { buildAgentImage, docker, dockerSocket, makeSshKey, removeContainer, startAgent, uniqueName } from "./agent";
import { archivedFiles, ChainRun, description, expectChain, runChain } from "./chainRunner";
import { localSettings } from "./fixtures";

const projectDir = localSettings.projectDir;
const modelImage = uniqueName("adult-mlops-jenkins-test");
const agent = uniqueName("adult-mlops-jenkins-agent-test");
const dataVolume = uniqueName("adult-mlops-jenkins-test-data");
const registryVolume = uniqueName("adult-mlops-jenkins-test-registry");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "jenkins-steps-"));
const officialSplit = { rawDataFile: "adult.data", testDataFile: "adult.test" };

/** Renders with `pipeline` and runs the first agent's chain in the agent container. */
function runLocalChain(
    name: string,
    pipeline: Partial<JenkinsSettings["pipeline"]>,
    extraEnvironment: Record<string, string> = {},
    /** Global environment changed after the first job (a setting edited while the chain runs). */
    changedAfterFirstJob: Record<string, string> = {},
): Promise<ChainRun> {
    const settings: JenkinsSettings = {
        ...localSettings,
        pipeline: { ...localSettings.pipeline, dataSource: { kind: "directory", path: sharedDataDir }, ...pipeline },
        names: {
            jobModelImage: modelImage,
            modelContainer: uniqueName(`adult-mlops-model-${name}`),
            dataVolume,
            registryVolume,
        },
    };
    return runChain({ container: agent, settings: settings.agents[0] }, renderJenkins(settings), {
        extraEnvironment,
        changedAfterFirstJob,
    });
}

describe("the jobs' shell steps, run in chain order in the build agent", { timeout: 40 * 60_000 }, () => {
    before(() => {
        buildAgentImage();
        docker(["volume", "create", registryVolume]);
        // The agent's jenkins user reads the project: the copy must be world-readable like a checkout.
        const project = path.join(scratch, "project");
        for (const folder of ["ml", "scripts"]) {
            fs.cpSync(path.join(repoRoot, folder), path.join(project, folder), {
                recursive: true,
                filter: (source) => !source.includes("__pycache__"),
            });
        }
        fs.chmodSync(scratch, 0o755);
        startAgent(agent, [
            "--env",
            `JENKINS_AGENT_SSH_PUBKEY=${makeSshKey(scratch, "controller")}`,
            "--volume",
            `${dockerSocket}:${dockerSocket}`,
            "--volume",
            `${project}:${projectDir}:ro`,
        ]);
    });
    after(() => {
        removeContainer(agent);
        docker(["image", "rm", `${modelImage}:jenkins`]);
        docker(["volume", "rm", dataVolume]);
        docker(["volume", "rm", registryVolume]);
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    test("a threshold the model reaches: all four succeed, the test stage runs, both metadata files are printed", async () => {
        const runs = expectChain(await runLocalChain("pass", { threshold: 0.5, ...officialSplit }), [
            "SUCCESS",
            "SUCCESS",
            "SUCCESS",
            "SUCCESS",
        ]);
        assert.match(runs[3].output, /== \/work\/results\/train_metadata\.json\n\{[^]*"validation_acc"/);
        assert.match(runs[3].output, /== \/work\/results\/test_metadata\.json\n\{/);
    });

    test("champion and challenger on the stack's registry volume: the first model is promoted, a weaker logreg is rejected; the job archives the metrics and the report and describes the build with the verdict", async () => {
        docker(["volume", "rm", registryVolume]);
        docker(["volume", "create", registryVolume]);
        const first = await runLocalChain("champion", officialSplit);
        expectChain(first, ["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS"]);
        const firstFiles = archivedFiles(first);
        const figures = ["confusion", "roc", "pr", "calibration", "groups"].map((slug) => `results/report-${slug}.png`);
        assert.deepEqual(
            Object.keys(firstFiles).sort(),
            [
                "results/metrics.json",
                "results/report.css",
                ...figures,
                "results/report.html",
                "results/test_metadata.json",
                "results/train_metadata.json",
            ].sort(),
        );
        const firstMetrics = JSON.parse(firstFiles["results/metrics.json"]);
        assert.equal(firstMetrics.promoted, true);
        for (const figure of figures)
            assert.ok(
                firstFiles["results/report.html"].includes(`<img src="${figure.replace("results/", "")}"`),
                figure,
            );
        assert.match(
            description(first.testJob.summary, first.runs[3].output) ?? "",
            /^validation_acc 0\.\d{4}, test_acc 0\.\d{4}: promoted, v\d+ is the champion/,
        );

        const weaker = await runLocalChain("challenger", { ...officialSplit, model: "logreg" });
        expectChain(weaker, ["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS"]);
        const metrics = JSON.parse(archivedFiles(weaker)["results/metrics.json"]);
        assert.equal(metrics.promoted, false);
        assert.ok(metrics.delta_vs_champion.test_acc.diff < -0.005, JSON.stringify(metrics.delta_vs_champion));
        assert.equal(metrics.champion.version, firstMetrics.registry.version, "the champion stays the first model");
        assert.match(
            description(weaker.testJob.summary, weaker.runs[3].output) ?? "",
            /rejected, champion stays v\d+ \(test_acc .* worse than the champion by more than maxRegression 0\.005\)/,
        );
    });

    test("a chain's promotion is served by a running prediction service on the same registry volume, with no job step of its own", async () => {
        const rendered = JSON.stringify(renderJenkins(localSettings));
        assert.doesNotMatch(rendered, /serve\.py|model-service/, "no job starts, stops or calls the service");
        const service = uniqueName("adult-mlops-jenkins-test-service");
        const port = await freePort();
        docker([
            "run",
            "--detach",
            "--name",
            service,
            "--read-only",
            "--tmpfs",
            "/work:uid=10001,gid=10001",
            "--cap-drop",
            "ALL",
            "--publish",
            `127.0.0.1:${port}:8080`,
            "--volume",
            `${registryVolume}:/registry:ro`,
            "--env",
            "REQUEST_LOG_DIR=",
            buildModelImage(),
            "python3",
            "serve.py",
        ]);
        try {
            const served = async () => {
                const answer = await fetch(`http://127.0.0.1:${port}/v2/models/adult-income`).catch(() => undefined);
                return answer?.status === 200
                    ? ((await answer.json()) as { parameters: { served_version: string } }).parameters.served_version
                    : undefined;
            };
            const chain = await runLocalChain("served", officialSplit);
            expectChain(chain, ["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS"]);
            const metrics = JSON.parse(archivedFiles(chain)["results/metrics.json"]);
            assert.equal(metrics.promoted, true, "the same model on the same data is not worse than the champion");
            const deadline = Date.now() + 30_000;
            while ((await served()) !== String(metrics.registry.version) && Date.now() < deadline) {
                await new Promise((resolve) => setTimeout(resolve, 250));
            }
            assert.equal(
                await served(),
                String(metrics.registry.version),
                "the service serves the chain's new champion",
            );
        } finally {
            removeContainer(service);
        }
    });

    test("a threshold the model misses: the test job is UNSTABLE (exit = unstableReturn) and the test stage never runs", async () => {
        // THRESHOLD is changed in the global environment after the container started: the message names the one it gated with.
        const chain = await runLocalChain("gate", { threshold: 0.99, ...officialSplit }, {}, { THRESHOLD: "0.5" });
        const runs = expectChain(chain, ["SUCCESS", "SUCCESS", "SUCCESS", "UNSTABLE"]);
        assert.equal(runs[3].exitCode, 3);
        assert.match(
            runs[3].output,
            /Validation accuracy is below THRESHOLD=0\.99: the process stopped, the test stage did not run/,
        );
        assert.match(
            description(chain.testJob.summary, runs[3].output) ?? "",
            /test_acc not run: v\d+ rejected, .*\(gate failed: validation_acc 0\.\d{4} < threshold 0\.99\)/,
        );
        assert.doesNotMatch(runs[3].output, /test_metadata\.json/);
    });

    test("a failing stage ends the chain there", async () => {
        const runs = expectChain(await runLocalChain("broken", { rawDataFile: "no-such-file.csv", testDataFile: "" }), [
            "SUCCESS",
            "FAILURE",
        ]);
        assert.equal(runs[1].exitCode, 2);
    });

    describe("data from a URL (a mirror container serving a zip of ../shared/data on a network of the test)", () => {
        let mirror: ArchiveMirror | undefined;
        let dataUrl = "";
        let fetchNetwork: Record<string, string> = {};

        before(async () => {
            mirror = await serveArchive(sharedDataDir, ["adult.data", "adult.test", "adult.names"], buildModelImage());
            dataUrl = mirror.url;
            fetchNetwork = { FETCH_NETWORK: mirror.network };
        });
        after(() => mirror?.close());

        test("the first job downloads it into the named volume (checksums verified) and the model reads it from there", async () => {
            const runs = expectChain(
                await runLocalChain(
                    "url",
                    { dataSource: { kind: "url", url: dataUrl }, threshold: 0.99, ...officialSplit },
                    fetchNetwork,
                ),
                ["SUCCESS", "SUCCESS", "SUCCESS", "UNSTABLE"],
            );
            assert.match(runs[0].output, /adult\.data \(sha256 [0-9a-f]{64} verified\)/);
        });

        test("the next chain finds the verified files in the volume and downloads nothing", async () => {
            const runs = expectChain(
                await runLocalChain(
                    "url-cached",
                    { dataSource: { kind: "url", url: dataUrl }, rawDataFile: "no-such-file.csv", testDataFile: "" },
                    fetchNetwork,
                ),
                ["SUCCESS", "FAILURE"],
            );
            assert.match(runs[0].output, /nothing downloaded/);
        });
    });
});
