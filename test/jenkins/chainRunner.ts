/**
 * Runs one agent's chain of the rendered freestyle jobs for real, the way Jenkins would: each job's
 * shell step executed in the agent container as the jenkins user (`docker exec`, on the engine the agent
 * runs on), in chain order, with Jenkins' global environment from the JCasC; a downstream job runs only
 * if its upstream's result meets the trigger's threshold. Asynchronous, so that the chains of two agents
 * can run at the same time (Promise.all), as two Jenkins agents would.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import YAML from "yaml";
import { JOB_NAMES } from "../../jenkins/jobs";
import { AgentSettings, RenderedJenkins } from "../../jenkins/settings";
import { docker, onEngine } from "./agent";
import { JobSummary, summariseJob } from "./jobXml";

export type Result = "SUCCESS" | "UNSTABLE" | "FAILURE";
const resultOrdinal: Record<Result, number> = { SUCCESS: 0, UNSTABLE: 1, FAILURE: 2 };

export interface JobRun {
    job: string;
    exitCode: number;
    result: Result;
    output: string;
}

/** The agent container a chain runs in. */
export interface ChainAgent {
    /** The container's name. */
    container: string;
    /** The engine it runs on, as the docker CLI's --host; undefined: the default engine. */
    engine?: string;
    /** Its Jenkins settings: the job suffix picks its chain, the node name is the builds' NODE_NAME. */
    settings: AgentSettings;
}

export interface ChainRun {
    agent: ChainAgent;
    runs: JobRun[];
    /** The model container the chain starts and must remove (MODEL_CONTAINER of the global environment). */
    container: string;
    /** The chain's last job (test, or test-on-NAME): it archives the results and sets the description. */
    testJob: { name: string; summary: JobSummary };
    /** When the chain started and ended (Date.now()), and its wall time. */
    started: number;
    ended: number;
    seconds: number;
}

/** Runs the docker CLI without blocking; never rejects on a non-zero exit. */
function dockerAsync(
    args: string[],
    input: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn("docker", args, { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        // A docker that exits before reading its input closes the pipe: its status tells what happened.
        child.stdin.on("error", () => undefined);
        child.once("error", reject);
        child.once("close", (status) => resolve({ status, stdout, stderr }));
        child.stdin.end(input);
    });
}

/** The chain as Jenkins derives it: the job without an upstream first, then each job's reverse-trigger downstream. */
export function chainOrder(summaries: Record<string, JobSummary>): string[] {
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
export function globalEnvironment(cascYaml: string): Record<string, string> {
    const entries: { key: string; value: string }[] = YAML.parse(cascYaml).jenkins.globalNodeProperties[0].envVars.env;
    return Object.fromEntries(entries.map(({ key, value }) => [key, value]));
}

/** The rendered jobs of the agent whose job suffix is `suffix`: each of the four job names followed by it. */
export function chainJobs(jobs: RenderedJenkins["jobs"], suffix: string): Record<string, JobSummary> {
    const ofChain = (name: string) =>
        name.endsWith(suffix) && (JOB_NAMES as readonly string[]).includes(name.slice(0, name.length - suffix.length));
    return Object.fromEntries(
        Object.entries(jobs)
            .filter(([name]) => ofChain(name))
            .map(([name, xml]) => [name, summariseJob(xml)]),
    );
}

/** Where Jenkins runs a job on the agent: its custom workspace, else the workspace named after it. */
function workspaceOf(job: string, summary: JobSummary): string {
    return summary.customWorkspace ?? `/home/jenkins/agent/workspace/${job}`;
}

/** One build: the step's script written to a file and executed (its #! line picks bash, as in Jenkins). */
async function runJob(
    agent: ChainAgent,
    job: string,
    summary: JobSummary,
    environment: Record<string, string>,
): Promise<JobRun> {
    const [step] = summary.shellSteps;
    const env = {
        ...environment,
        WORKSPACE: workspaceOf(job, summary),
        JOB_NAME: job,
        JOB_BASE_NAME: job,
        BUILD_NUMBER: "1",
        NODE_NAME: agent.settings.node,
    };
    const run = await dockerAsync(
        onEngine(agent.engine, [
            "exec",
            "--interactive",
            "--user",
            "jenkins",
            ...Object.entries(env).flatMap(([key, value]) => ["--env", `${key}=${value}`]),
            agent.container,
            "bash",
            "-c",
            'mkdir -p "$WORKSPACE" && cd "$WORKSPACE" && script="$(mktemp)" && cat > "$script" && chmod +x "$script" && exec "$script" </dev/null',
        ]),
        step.command,
    );
    const exitCode = run.status ?? -1;
    const result: Result =
        exitCode === 0
            ? "SUCCESS"
            : exitCode === step.unstableReturn && step.unstableReturn !== 0
              ? "UNSTABLE"
              : "FAILURE";
    return { job, exitCode, result, output: `${run.stdout}${run.stderr}` };
}

/**
 * Runs the agent's chain of `rendered`'s jobs in its container. `extraEnvironment` is added to the global
 * environment; `changedAfterFirstJob` changes it after the first job (a setting edited while the chain runs).
 */
export async function runChain(
    agent: ChainAgent,
    rendered: RenderedJenkins,
    options: { extraEnvironment?: Record<string, string>; changedAfterFirstJob?: Record<string, string> } = {},
): Promise<ChainRun> {
    const started = Date.now();
    const summaries = chainJobs(rendered.jobs, agent.settings.jobSuffix);
    const environment = { ...globalEnvironment(rendered.cascYaml), ...options.extraEnvironment };
    const order = chainOrder(summaries);
    const runs: JobRun[] = [];
    for (const job of order) {
        const upstream = summaries[job].upstream;
        const previous = runs[runs.length - 1];
        if (upstream !== undefined && resultOrdinal[previous.result] > resultOrdinal[upstream.threshold as Result])
            break;
        runs.push(
            await runJob(
                agent,
                job,
                summaries[job],
                runs.length === 0 ? environment : { ...environment, ...options.changedAfterFirstJob },
            ),
        );
    }
    const testJob = order[order.length - 1];
    const ended = Date.now();
    return {
        agent,
        runs,
        container: environment.MODEL_CONTAINER,
        testJob: { name: testJob, summary: summaries[testJob] },
        started,
        ended,
        seconds: (ended - started) / 1000,
    };
}

/** Asserts the chain's results in order and that no model container is left behind on its engine; returns the runs. */
export function expectChain(chain: ChainRun, results: Result[]): JobRun[] {
    const log = chain.runs
        .map((run) => `--- ${run.job}: exit ${run.exitCode} (${run.result})\n${run.output}`)
        .join("\n");
    const suffix = chain.agent.settings.jobSuffix;
    assert.deepEqual(
        chain.runs.map((run) => [run.job, run.result]),
        results.map((result, index) => [`${JOB_NAMES[index]}${suffix}`, result]),
        log,
    );
    assert.equal(
        docker(onEngine(chain.agent.engine, ["container", "inspect", chain.container])).status,
        1,
        `the model container is left behind\n${log}`,
    );
    return chain.runs;
}

/** The files the chain's test job's ArtifactArchiver would archive (its pattern, relative to the job's workspace), read from the agent. */
export function archivedFiles(chain: ChainRun): Record<string, string> {
    const { agent, testJob } = chain;
    const pattern = testJob.summary.archive?.artifacts ?? "";
    const workspace = workspaceOf(testJob.name, testJob.summary);
    const exec = (args: string[]) =>
        docker(onEngine(agent.engine, ["exec", "--user", "jenkins", agent.container, ...args])).stdout;
    const files = exec(["bash", "-c", `cd ${workspace} && for f in ${pattern}; do printf '%s\\0' "$f"; done`])
        .split("\0")
        .filter((name) => name !== "");
    return Object.fromEntries(files.map((file) => [file, exec(["cat", `${workspace}/${file}`])]));
}

/** The build description the test job's description setter would set: group 1 of the first log line its pattern matches. */
export function description(summary: JobSummary, output: string): string | undefined {
    const pattern = new RegExp(summary.descriptionSetter?.regexp ?? "(?!)");
    for (const line of output.split("\n")) {
        const match = pattern.exec(line);
        if (match) return match[1];
    }
    return undefined;
}
