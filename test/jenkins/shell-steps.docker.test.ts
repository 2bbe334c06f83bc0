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

const projectDir = localSettings.agent.projectDir;
const modelImage = uniqueName("adult-mlops-jenkins-test");
const agent = uniqueName("adult-mlops-jenkins-agent-test");
const dataVolume = uniqueName("adult-mlops-jenkins-test-data");
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
): { runs: JobRun[]; container: string } {
    const container = uniqueName(`adult-mlops-model-${name}`);
    const settings: JenkinsSettings = {
        ...localSettings,
        pipeline: { ...localSettings.pipeline, dataSource: { kind: "directory", path: sharedDataDir }, ...pipeline },
        names: { jobModelImage: modelImage, modelContainer: container, dataVolume },
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
    return { runs, container };
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
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    test("a threshold the model reaches: all four succeed, the test stage runs, both metadata files are printed", () => {
        const runs = expectChain(runChain("pass", { threshold: 0.5, ...officialSplit }), ["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS"]);
        assert.match(runs[3].output, /== \/work\/results\/train_metadata\.json\n\{[^]*"validation_acc"/);
        assert.match(runs[3].output, /== \/work\/results\/test_metadata\.json\n\{/);
    });

    test("a threshold the model misses: the test job is UNSTABLE (exit = unstableReturn) and the test stage never runs", () => {
        // THRESHOLD is changed in the global environment after the container started: the message names the one it gated with.
        const runs = expectChain(runChain("gate", { threshold: 0.99, ...officialSplit }, {}, { THRESHOLD: "0.5" }), ["SUCCESS", "SUCCESS", "SUCCESS", "UNSTABLE"]);
        assert.equal(runs[3].exitCode, 3);
        assert.match(runs[3].output, /Validation accuracy is below THRESHOLD=0\.99: the process stopped, the test stage did not run/);
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
