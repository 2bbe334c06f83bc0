import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RecordedResource, revealed } from "./stackHarness";
import { simulatedProviders } from "./simulatedProviders";

export interface CommandRun {
    name: string;
    create: string;
    environment: Record<string, string>;
    status: number | null;
    stdout: string;
    stderr: string;
}

/**
 * Performs what the real providers would for the model image and the commands: `docker build`
 * of every image whose context is the project's ml/ folder, on the engine of the image's Docker
 * provider (its `host`; the default engine without one), and each command's `create` run with its own
 * interpreter, folder and environment. Jenkins' images, GitHub and generators stay simulated.
 * Every command run is appended to `commandRuns`.
 */
export function realModelEffects(commandRuns: CommandRun[]) {
    const dockerHosts = new Map<string, EngineAccess>();
    return async (resource: RecordedResource): Promise<Record<string, unknown>> => {
        if (resource.type === "pulumi:providers:docker") {
            dockerHosts.set(`${resource.name}-id`, engineAccess(revealed(resource.inputs)));
        }
        if (resource.type === "docker:index/image:Image" && /[\\/]ml$/.test(resource.inputs.build.context)) {
            const providerId = resource.provider?.split("::").pop();
            return {
                repoDigest: buildImage(
                    resource.inputs,
                    providerId === undefined ? undefined : dockerHosts.get(providerId),
                ),
            };
        }
        if (resource.type === "command:local:Command" && resource.inputs.create) {
            return runCommand(resource, commandRuns);
        }
        return simulatedProviders(resource);
    };
}

/** A provider's engine: its host and, for TLS, its client material. */
interface EngineAccess {
    host: string;
    tls?: { tlscacert: string; tlscert: string; tlskey: string };
}

function engineAccess(provider: Record<string, string>): EngineAccess {
    const tls =
        provider.keyMaterial === undefined
            ? undefined
            : { tlscacert: provider.caMaterial, tlscert: provider.certMaterial, tlskey: provider.keyMaterial };
    return { host: provider.host, tls };
}

/** Runs `build` with the docker CLI flags that reach the engine (TLS material as files, removed afterwards). */
function onEngine<T>(engine: EngineAccess | undefined, build: (flags: string[]) => T): T {
    if (engine?.tls === undefined) {
        return build(engine === undefined ? [] : ["--host", engine.host]);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "provider-tls-"));
    try {
        const files = Object.entries(engine.tls).flatMap(([flag, pem]) => {
            const file = path.join(dir, `${flag}.pem`);
            fs.writeFileSync(file, pem, { mode: 0o600 });
            return [`--${flag}`, file];
        });
        return build(["--host", engine.host, "--tlsverify", ...files]);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function buildImage(inputs: Record<string, any>, engine: EngineAccess | undefined): string {
    const buildArgs = Object.entries<string>(inputs.build.args ?? {}).flatMap(([key, value]) => [
        "--build-arg",
        `${key}=${value}`,
    ]);
    const platform = inputs.build.platform === undefined ? [] : ["--platform", inputs.build.platform];
    return onEngine(engine, (flags) => {
        execFileSync(
            "docker",
            [
                ...flags,
                "build",
                "--quiet",
                "--file",
                inputs.build.dockerfile,
                "--tag",
                inputs.imageName,
                ...platform,
                ...buildArgs,
                inputs.build.context,
            ],
            { stdio: ["ignore", "ignore", "inherit"] },
        );
        return execFileSync("docker", [...flags, "image", "inspect", "--format", "{{.Id}}", inputs.imageName], {
            encoding: "utf8",
        }).trim();
    });
}

/** Asynchronous, so that servers the test runs in this process (a data mirror) keep answering. */
async function runCommand(resource: RecordedResource, commandRuns: CommandRun[]): Promise<Record<string, unknown>> {
    const { create, dir, environment = {} } = revealed(resource.inputs);
    const child = spawn("/bin/sh", ["-c", create], { cwd: dir, env: { ...process.env, ...environment } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    commandRuns.push({ name: resource.name, create, environment, status, stdout, stderr });
    if (status !== 0) {
        throw new Error(`command ${resource.name} exited ${status}: ${stderr}`);
    }
    // The command provider strips the trailing newline.
    return { stdout: stdout.replace(/\n$/, ""), stderr: stderr.replace(/\n$/, "") };
}
