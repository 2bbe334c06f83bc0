import { spawn, spawnSync, SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { dataPreparationEnvironment } from "../../contracts/dataPreparation";
import {
    exitStatusEnvironment,
    modelContainerEnvironment,
    modelEnvironment,
    ModelRunSettings,
} from "../../contracts/modelImage";
import { defaultContainerLimits } from "../support/modelImage";
import { DataSource } from "../../config/validators";
import { repoRoot } from "../support/paths";

/** Names of what one drill run makes on the Docker engine: this process's, removed afterwards. */
export function drillName(what: string): string {
    return `adult-mlops-drill-${what}-${process.pid}-${Date.now().toString(36)}`;
}

export function docker(args: string[], options: { host?: string; input?: string } = {}): SpawnSyncReturns<string> {
    const env = options.host === undefined ? process.env : { ...process.env, DOCKER_HOST: options.host };
    return spawnSync("docker", args, {
        encoding: "utf8",
        input: options.input,
        env,
        timeout: 300_000,
        maxBuffer: 64 * 1024 * 1024,
    });
}

export interface PipelineRun {
    status: number | null;
    stdout: string;
    stderr: string;
    seconds: number;
}

export interface StartedRun {
    /** Resolves when the script has ended (or was killed at its time limit). */
    done: Promise<PipelineRun>;
    /** Resolves true once `text` appears on stdout, false when the run ends (or `seconds` pass) first. */
    printed(text: string, seconds: number): Promise<boolean>;
}

const defaultSettings: ModelRunSettings = {
    threshold: 0.8,
    maxRegression: 0.005,
    model: "hgb",
    rawDataFile: "adult.data",
    testDataFile: "adult.test",
};

/** This process's model registry and reports folder, on each engine a drill uses; removed when the process ends. */
const registryVolume = drillName("registry");
const reportsDir = fs.mkdtempSync(path.join(os.tmpdir(), "adult-drill-reports-"));
const registryHosts = new Set<string | undefined>();
process.on("exit", () => {
    registryHosts.forEach((host) => docker(["volume", "rm", "--force", registryVolume], { host }));
    fs.rmSync(reportsDir, { recursive: true, force: true });
});

/** The environment the stack gives scripts/run-gated-pipeline.sh (GatedPipeline), with drill overrides. */
export function pipelineEnvironment(
    image: string,
    source: DataSource,
    dataVolume: string,
    settings: Partial<ModelRunSettings>,
    extra: Record<string, string>,
) {
    if (docker(["volume", "create", registryVolume], { host: extra.DOCKER_HOST }).status === 0) {
        registryHosts.add(extra.DOCKER_HOST);
    }
    return {
        ...process.env,
        ...modelEnvironment({ ...defaultSettings, ...settings }),
        ...dataPreparationEnvironment(source, dataVolume),
        ...exitStatusEnvironment(),
        ...modelContainerEnvironment(defaultContainerLimits),
        MODEL_IMAGE: image,
        REGISTRY_VOLUME: registryVolume,
        REPORTS_DIR: reportsDir,
        FAIL_ON_GATE: "false",
        ...extra,
    };
}

/** Starts the stack's pipeline command; it is killed if it runs past `limitSeconds` (every wait is bounded). */
export function startPipeline(environment: NodeJS.ProcessEnv, limitSeconds = 600): StartedRun {
    const started = Date.now();
    const child = spawn("bash", [path.join(repoRoot, "scripts", "run-gated-pipeline.sh")], {
        env: environment,
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const waiters: { text: string; resolve: (seen: boolean) => void }[] = [];
    child.stdout.on("data", (chunk) => {
        stdout += chunk;
        for (const waiter of waiters.filter((w) => stdout.includes(w.text))) waiter.resolve(true);
    });
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const limit = setTimeout(() => child.kill("SIGKILL"), limitSeconds * 1000);
    const done = new Promise<PipelineRun>((resolve) =>
        child.on("close", (status) => {
            clearTimeout(limit);
            for (const waiter of waiters) waiter.resolve(stdout.includes(waiter.text));
            resolve({ status, stdout, stderr, seconds: (Date.now() - started) / 1000 });
        }),
    );
    const printed = (text: string, seconds: number) =>
        new Promise<boolean>((resolve) => {
            if (stdout.includes(text)) return resolve(true);
            const timer = setTimeout(() => resolve(false), seconds * 1000);
            waiters.push({ text, resolve: (seen) => (clearTimeout(timer), resolve(seen)) });
        });
    return { done, printed };
}

/** The `error:` lines of a run's stderr. */
export function errorLines(run: PipelineRun): string[] {
    return run.stderr.split("\n").filter((line) => line.startsWith("error:"));
}

/** True when the run printed a metrics line (what the stack would promote to its outputs). */
export function promotedMetrics(run: PipelineRun): boolean {
    return run.stdout.split("\n").some((line) => line.startsWith("{"));
}

export function containerExists(name: string, host?: string): boolean {
    return docker(["container", "inspect", name], { host }).status === 0;
}

/** The files in a data volume, listed by a throwaway container of the image. */
export function volumeFiles(image: string, volume: string): string[] {
    const listing = docker([
        "run",
        "--rm",
        "--network",
        "none",
        "--mount",
        `type=volume,source=${volume},target=/data`,
        image,
        "ls",
        "-A",
        "/data",
    ]);
    if (listing.status !== 0) throw new Error(`listing ${volume} failed: ${listing.stderr}`);
    return listing.stdout.split("\n").filter((name) => name !== "");
}

export function sleep(seconds: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}
