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
import YAML from "yaml";
import { JOB_NAMES } from "../../jenkins/jobs";
import { renderJenkins } from "../../jenkins/render";
import { JenkinsSettings } from "../../jenkins/settings";
import { buildModelImage } from "../support/modelImage";
import { repoRoot, sharedDataDir } from "../support/paths";
import { ArchiveMirror, serveArchive } from "../stack/support/archiveMirror";
import { buildAgentImage, docker, dockerSocket, makeSshKey, removeContainer, startAgent, uniqueName } from "./agent";
import { localSettings } from "./fixtures";
import { JobSummary, summariseJob } from "./jobXml";

type Result = "SUCCESS" | "UNSTABLE" | "FAILURE";
const resultOrdinal: Record<Result, number> = { SUCCESS: 0, UNSTABLE: 1, FAILURE: 2 };

interface JobRun {
    job: string;
    exitCode: number;
    result: Result;
    output: string;
}

const projectDir = localSettings.projectDir;
const modelImage = uniqueName("adult-mlops-jenkins-test");
const agent = uniqueName("adult-mlops-jenkins-agent-test");
const dataVolume = uniqueName("adult-mlops-jenkins-test-data");
const registryVolume = uniqueName("adult-mlops-jenkins-test-registry");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "jenkins-steps-"));
const officialSplit = { rawDataFile: "adult.data", testDataFile: "adult.test" };

/** The chain as Jenkins derives it: the job without an upstream first, then each job's reverse-trigger downstream. */
function chainOrder(summaries: Record<string, JobSummary>): string[] {
    const names = Object.keys(summaries);
    const order = names.filter((name) => summaries[name].upstream === undefined);
    assert.equal(order.length, 1, "exactly one job starts the chain");
    for (;;) {
        const next = names.find((name) => summaries[name].upstream?.projects.includes(order[order.length - 1]));
        if (next === undefined) return order;
        order.push(next);
    }
}

/** Jenkins' global environment as the JCasC declares it. */
function globalEnvironment(cascYaml: string): Record<string, string> {
    const entries: { key: string; value: string }[] = YAML.parse(cascYaml).jenkins.globalNodeProperties[0].envVars.env;
    return Object.fromEntries(entries.map(({ key, value }) => [key, value]));
}

/** One build: the step's script written to a file and executed (its #! line picks bash, as in Jenkins). */
/** The files the test job's ArtifactArchiver would archive (its pattern, relative to the job's workspace), read from the agent. */
function archivedFiles(summary: JobSummary): Record<string, string> {
    const pattern = summary.archive?.artifacts ?? "";
    const workspace = "/home/jenkins/agent/workspace/test";
    const listing = docker(["exec", "--user", "jenkins", agent, "bash", "-c", `cd ${workspace} && for f in ${pattern}; do printf '%s\\0' "$f"; done`]).stdout;
    const files = listing.split("\0").filter((name) => name !== "");
    return Object.fromEntries(files.map((file) => [file, docker(["exec", "--user", "jenkins", agent, "cat", `${workspace}/${file}`]).stdout]));
}

/** The build description the test job's description setter would set: group 1 of the first log line its pattern matches. */
function description(summary: JobSummary, output: string): string | undefined {
    const pattern = new RegExp(summary.descriptionSetter?.regexp ?? "(?!)");
    for (const line of output.split("\n")) {
        const match = pattern.exec(line);
        if (match) return match[1];
    }
    return undefined;
}

function runJob(job: string, summary: JobSummary, environment: Record<string, string>): JobRun {
    const [step] = summary.shellSteps;
    const workspace = summary.customWorkspace ?? `/home/jenkins/agent/workspace/${job}`;
    const env = { ...environment, WORKSPACE: workspace, JOB_NAME: job, JOB_BASE_NAME: job, BUILD_NUMBER: "1", NODE_NAME: "docker-agent" };
    const run = docker(
        [
            "exec", "--interactive", "--user", "jenkins",
            ...Object.entries(env).flatMap(([key, value]) => ["--env", `${key}=${value}`]),
            agent, "bash", "-c", 'mkdir -p "$WORKSPACE" && cd "$WORKSPACE" && script="$(mktemp)" && cat > "$script" && chmod +x "$script" && exec "$script" </dev/null',
        ],
        step.command,
    );
    const exitCode = run.status ?? -1;
    const result: Result = exitCode === 0 ? "SUCCESS" : exitCode === step.unstableReturn && step.unstableReturn !== 0 ? "UNSTABLE" : "FAILURE";
    return { job, exitCode, result, output: `${run.stdout}${run.stderr}` };
}

/** Renders with `pipeline` and runs the chain; a downstream job runs only if its upstream's result meets the trigger's threshold. */
function runChain(
    name: string,
    pipeline: Partial<JenkinsSettings["pipeline"]>,
    extraEnvironment: Record<string, string> = {},
    /** Global environment changed after the first job (a setting edited while the chain runs). */
    changedAfterFirstJob: Record<string, string> = {},
): { runs: JobRun[]; container: string; testJob: JobSummary } {
    const container = uniqueName(`adult-mlops-model-${name}`);
    const settings: JenkinsSettings = {
        ...localSettings,
        pipeline: { ...localSettings.pipeline, dataSource: { kind: "directory", path: sharedDataDir }, ...pipeline },
        names: { jobModelImage: modelImage, modelContainer: container, dataVolume, registryVolume },
    };
    const rendered = renderJenkins(settings);
    const summaries = Object.fromEntries(Object.entries(rendered.jobs).map(([job, xml]) => [job, summariseJob(xml)]));
    const environment = { ...globalEnvironment(rendered.cascYaml), ...extraEnvironment };
    const runs: JobRun[] = [];
    for (const job of chainOrder(summaries)) {
        const upstream = summaries[job].upstream;
        const previous = runs[runs.length - 1];
        if (upstream !== undefined && resultOrdinal[previous.result] > resultOrdinal[upstream.threshold as Result]) break;
        runs.push(runJob(job, summaries[job], runs.length === 0 ? environment : { ...environment, ...changedAfterFirstJob }));
    }
    return { runs, container, testJob: summaries.test };
}

/** Asserts the chain's results in order and that no model container is left behind; returns the runs. */
function expectChain(chain: { runs: JobRun[]; container: string }, results: Result[]): JobRun[] {
    const log = chain.runs.map((run) => `--- ${run.job}: exit ${run.exitCode} (${run.result})\n${run.output}`).join("\n");
    assert.deepEqual(chain.runs.map((run) => [run.job, run.result]), results.map((result, index) => [JOB_NAMES[index], result]), log);
    assert.equal(docker(["container", "inspect", chain.container]).status, 1, `the model container is left behind\n${log}`);
    return chain.runs;
}

describe("the jobs' shell steps, run in chain order in the build agent", { timeout: 40 * 60_000 }, () => {
    before(() => {
        buildAgentImage();
        docker(["volume", "create", registryVolume]);
        // The agent's jenkins user reads the project: the copy must be world-readable like a checkout.
        const project = path.join(scratch, "project");
        for (const folder of ["ml", "scripts"]) {
            fs.cpSync(path.join(repoRoot, folder), path.join(project, folder), { recursive: true, filter: (source) => !source.includes("__pycache__") });
        }
        fs.chmodSync(scratch, 0o755);
        startAgent(agent, [
            "--env", `JENKINS_AGENT_SSH_PUBKEY=${makeSshKey(scratch, "controller")}`,
            "--volume", `${dockerSocket}:${dockerSocket}`,
            "--volume", `${project}:${projectDir}:ro`,
        ]);
    });
    after(() => {
        removeContainer(agent);
        docker(["image", "rm", `${modelImage}:jenkins`]);
        docker(["volume", "rm", dataVolume]);
        docker(["volume", "rm", registryVolume]);
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    test("a threshold the model reaches: all four succeed, the test stage runs, both metadata files are printed", () => {
        const runs = expectChain(runChain("pass", { threshold: 0.5, ...officialSplit }), ["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS"]);
        assert.match(runs[3].output, /== \/work\/results\/train_metadata\.json\n\{[^]*"validation_acc"/);
        assert.match(runs[3].output, /== \/work\/results\/test_metadata\.json\n\{/);
    });

    test("champion and challenger on the stack's registry volume: the first model is promoted, a weaker logreg is rejected; the job archives the metrics and the report and describes the build with the verdict", () => {
        docker(["volume", "rm", registryVolume]);
        docker(["volume", "create", registryVolume]);
        const first = runChain("champion", officialSplit);
        expectChain(first, ["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS"]);
        const firstFiles = archivedFiles(first.testJob);
        assert.deepEqual(Object.keys(firstFiles).sort(), ["results/metrics.json", "results/report.html", "results/test_metadata.json", "results/train_metadata.json"]);
        const firstMetrics = JSON.parse(firstFiles["results/metrics.json"]);
        assert.equal(firstMetrics.promoted, true);
        assert.match(firstFiles["results/report.html"], /<img src="data:image\/png;base64,/);
        assert.match(description(first.testJob, first.runs[3].output) ?? "", /^validation_acc 0\.\d{4}, test_acc 0\.\d{4}: promoted, v\d+ is the champion/);

        const weaker = runChain("challenger", { ...officialSplit, model: "logreg" });
        expectChain(weaker, ["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS"]);
        const metrics = JSON.parse(archivedFiles(weaker.testJob)["results/metrics.json"]);
        assert.equal(metrics.promoted, false);
        assert.ok(metrics.delta_vs_champion.test_acc.diff < -0.005, JSON.stringify(metrics.delta_vs_champion));
        assert.equal(metrics.champion.version, firstMetrics.registry.version, "the champion stays the first model");
        assert.match(description(weaker.testJob, weaker.runs[3].output) ?? "", /rejected, champion stays v\d+ \(test_acc .* worse than the champion by more than maxRegression 0\.005\)/);
    });

    test("a threshold the model misses: the test job is UNSTABLE (exit = unstableReturn) and the test stage never runs", () => {
        // THRESHOLD is changed in the global environment after the container started: the message names the one it gated with.
        const chain = runChain("gate", { threshold: 0.99, ...officialSplit }, {}, { THRESHOLD: "0.5" });
        const runs = expectChain(chain, ["SUCCESS", "SUCCESS", "SUCCESS", "UNSTABLE"]);
        assert.equal(runs[3].exitCode, 3);
        assert.match(runs[3].output, /Validation accuracy is below THRESHOLD=0\.99: the process stopped, the test stage did not run/);
        assert.match(description(chain.testJob, runs[3].output) ?? "", /test_acc not run: v\d+ rejected, .*\(gate failed: validation_acc 0\.\d{4} < threshold 0\.99\)/);
        assert.doesNotMatch(runs[3].output, /test_metadata\.json/);
    });

    test("a failing stage ends the chain there", () => {
        const runs = expectChain(runChain("broken", { rawDataFile: "no-such-file.csv", testDataFile: "" }), ["SUCCESS", "FAILURE"]);
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

        test("the first job downloads it into the named volume (checksums verified) and the model reads it from there", () => {
            const runs = expectChain(runChain("url", { dataSource: { kind: "url", url: dataUrl }, threshold: 0.99, ...officialSplit }, fetchNetwork), ["SUCCESS", "SUCCESS", "SUCCESS", "UNSTABLE"]);
            assert.match(runs[0].output, /adult\.data \(sha256 [0-9a-f]{64} verified\)/);
        });

        test("the next chain finds the verified files in the volume and downloads nothing", () => {
            const runs = expectChain(runChain("url-cached", { dataSource: { kind: "url", url: dataUrl }, rawDataFile: "no-such-file.csv", testDataFile: "" }, fetchNetwork), ["SUCCESS", "FAILURE"]);
            assert.match(runs[0].output, /nothing downloaded/);
        });
    });
});
