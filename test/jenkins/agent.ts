import { execFileSync, spawnSync, SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkoutId, repoRoot } from "../support/paths";
import { baseImage } from "../support/modelImage";

export const agentImageTag = `adult-mlops-jenkins-agent:test-${checkoutId}`;
export const dockerSocket = "/var/run/docker.sock";

/** Runs the docker CLI; returns the full result, never throws on a non-zero exit. */
export function docker(args: string[], input?: string): SpawnSyncReturns<string> {
    return spawnSync("docker", args, { encoding: "utf8", input, maxBuffer: 64 * 1024 * 1024 });
}

/** Builds jenkins/agent (layer cache makes repeats cheap) and returns its tag. */
export function buildAgentImage(): string {
    execFileSync(
        "docker",
        [
            "build",
            "--quiet",
            "--build-arg",
            `BASE_IMAGE=${baseImage}`,
            "--tag",
            agentImageTag,
            path.join(repoRoot, "jenkins", "agent"),
        ],
        { stdio: ["ignore", "ignore", "inherit"] },
    );
    return agentImageTag;
}

export function uniqueName(prefix: string): string {
    return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}

/** An ed25519 key pair made with the agent image's ssh-keygen in `dir`; returns the public key line. */
export function makeSshKey(dir: string, name: string): string {
    const result = docker([
        "run",
        "--rm",
        "--volume",
        `${dir}:/keys`,
        "--entrypoint",
        "ssh-keygen",
        agentImageTag,
        "-q",
        "-t",
        "ed25519",
        "-N",
        "",
        "-C",
        name,
        "-f",
        `/keys/${name}`,
    ]);
    if (result.status !== 0) {
        throw new Error(`ssh-keygen failed: ${result.stderr}`);
    }
    return fs.readFileSync(path.join(dir, `${name}.pub`), "utf8").trim();
}

/** The docker CLI's arguments for the engine `engine` (its --host; undefined: the default engine). */
export function onEngine(engine: string | undefined, args: string[]): string[] {
    return engine === undefined ? args : ["--host", engine, ...args];
}

/** Starts an agent container (on `engine`, else the default engine) and waits until its sshd listens. */
export function startAgent(name: string, runOptions: string[], engine?: string): void {
    const run = docker(onEngine(engine, ["run", "--detach", "--name", name, ...runOptions, agentImageTag]));
    if (run.status !== 0) {
        throw new Error(`agent did not start: ${run.stderr}`);
    }
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
        const logs = docker(onEngine(engine, ["logs", name]));
        if (`${logs.stdout}${logs.stderr}`.includes("Server listening")) {
            return;
        }
        execFileSync("sleep", ["0.5"]);
    }
    throw new Error(`sshd in ${name} did not come up: ${docker(onEngine(engine, ["logs", name])).stderr}`);
}

export function removeContainer(name: string, engine?: string): void {
    docker(onEngine(engine, ["rm", "--force", name]));
}
