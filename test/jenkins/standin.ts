/**
 * The controller image built on the Jenkins stand-in (jenkins/standin/, scripts/build-jenkins-standin.sh:
 * the official image's contract without Jenkins), and its container created, filled and started the
 * way the Pulumi program has the docker provider do it.
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from "node:child_process";
import * as path from "node:path";
import { checkoutId, repoRoot } from "../support/paths";
import { simulatedProviders } from "../stack/support/simulatedProviders";
import { resourceNamed, revealed, runStack } from "../stack/support/stackHarness";
import { docker } from "./agent";

/** The stand-in, cached between runs under the script's default tag (it rebuilds only when its files change). */
export function buildStandin(): string {
    return execFileSync("bash", [path.join(repoRoot, "scripts", "build-jenkins-standin.sh")], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
    }).trim();
}

export const controllerOnStandinTag = `adult-mlops-jenkins-controller:standin-test-${checkoutId}`;

/** Builds jenkins/Dockerfile on `baseImage` (its JENKINS_BASE_IMAGE build argument, as the jenkinsBaseImage setting passes it); returns the build's output. */
export function buildController(baseImage: string, tag: string = controllerOnStandinTag): string {
    const result = docker([
        "build",
        "--force-rm",
        "--build-arg",
        `JENKINS_BASE_IMAGE=${baseImage}`,
        "--tag",
        tag,
        path.join(repoRoot, "jenkins"),
    ]);
    if (result.status !== 0) {
        throw new Error(`controller build failed:\n${result.stdout}\n${result.stderr}`);
    }
    return `${result.stdout}${result.stderr}`;
}

/** One `uploads` entry of the docker provider's container, as the program sets it. */
export interface Upload {
    file: string;
    content: string;
    owner?: string;
    group?: string;
    permissions?: string;
    executable?: boolean;
}

/** What the program gives the controller's docker.Container, read from its registration under Pulumi's mocks. */
export interface ControllerInputs {
    uploads: Upload[];
    healthcheck: { tests: string[]; interval: string; timeout: string; startPeriod: string; retries: number };
    volumes: Array<{ volumeName: string; containerPath: string }>;
    ports: Array<{ internal: number; external: number; ip: string }>;
    restart: string;
    destroyGraceSeconds?: number;
}

/** Runs the program (index.ts) under the mocks with the given stack configuration and returns the controller's inputs. */
export async function programController(
    config: Record<string, string>,
    secretKeys: string[] = [],
): Promise<ControllerInputs> {
    const run = await runStack(config, simulatedProviders, { secretKeys });
    return revealed(
        resourceNamed(run, "docker:index/container:Container", "jenkins-controller").inputs,
    ) as ControllerInputs;
}

/**
 * The archive the provider sends to the engine for each upload (kreuzwerker/terraform-provider-docker
 * internal/provider/resource_docker_container_funcs.go, the upload loop of resourceDockerContainerCreate):
 * one regular file named by the absolute `file`, mode `permissions` (else 0744 when executable, else
 * 0644), copied to "/" with default options, so the engine keeps the header's owner and makes missing
 * parent folders root's, mode 0755. `ownerHonoured` false is a provider release whose header carries
 * no Uid/Gid (root's file); true puts `owner` and `group` (0 when unset) in the header.
 */
export function uploadArchive(uploads: Upload[], { ownerHonoured }: { ownerHonoured: boolean }): Buffer {
    const blocks: Buffer[] = [];
    for (const upload of uploads) {
        const content = Buffer.from(upload.content, "utf8");
        const mode =
            upload.permissions !== undefined ? parseInt(upload.permissions, 8) : upload.executable ? 0o744 : 0o644;
        const ids = ownerHonoured
            ? { uid: Number(upload.owner ?? 0), gid: Number(upload.group ?? 0) }
            : { uid: 0, gid: 0 };
        blocks.push(
            ustarHeader(upload.file, content.length, mode, ids),
            content,
            Buffer.alloc((512 - (content.length % 512)) % 512),
        );
    }
    blocks.push(Buffer.alloc(1024));
    return Buffer.concat(blocks);
}

function ustarHeader(name: string, size: number, mode: number, { uid, gid }: { uid: number; gid: number }): Buffer {
    if (Buffer.byteLength(name) > 100) {
        throw new Error(`${name}: longer than a ustar name field`);
    }
    const header = Buffer.alloc(512);
    const octal = (value: number, width: number, offset: number) =>
        header.write(`${value.toString(8).padStart(width - 1, "0")}\0`, offset, "ascii");
    header.write(name, 0, "utf8");
    octal(mode, 8, 100);
    octal(uid, 8, 108);
    octal(gid, 8, 116);
    octal(size, 12, 124);
    octal(Math.floor(Date.now() / 1000), 12, 136);
    header.write("        ", 148, "ascii");
    header.write("0", 156, "ascii");
    header.write("ustar\u000000", 257, "ascii");
    const checksum = header.reduce((sum, byte) => sum + byte, 0);
    header.write(`${checksum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
    return header;
}

/** `docker cp - CONTAINER:/`: the engine unpacks the archive as it unpacks the provider's (CopyToContainer, default options). */
export function copyArchive(container: string, archive: Buffer): SpawnSyncReturns<string> {
    return spawnSync("docker", ["cp", "-", `${container}:/`], { input: archive, encoding: "utf8" });
}

/** docker's State of a container, with the health fields the tests read. */
export interface ContainerState {
    Status: string;
    Running: boolean;
    ExitCode: number;
    OOMKilled: boolean;
    Health?: { Status: string; Log: HealthProbe[] | null };
    /** How often the engine restarted it (its restart policy): not part of docker's State, added from the container's top level. */
    RestartCount: number;
}

export interface HealthProbe {
    Start: string;
    End: string;
    ExitCode: number;
    Output: string;
}

export function stateOf(container: string): ContainerState {
    const result = docker([
        "inspect",
        "--format",
        '{"State":{{json .State}},"RestartCount":{{.RestartCount}}}',
        container,
    ]);
    if (result.status !== 0) {
        throw new Error(`docker inspect ${container}: ${result.stderr}`);
    }
    const { State, RestartCount } = JSON.parse(result.stdout);
    return { ...State, RestartCount } as ContainerState;
}

/** The container's log, stdout and stderr together, each line with the engine's timestamp. */
export function timestampedLogs(container: string): Array<{ at: number; line: string }> {
    const result = docker(["logs", "--timestamps", container]);
    return `${result.stdout}${result.stderr}`
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => {
            const [stamp, ...rest] = line.split(" ");
            return { at: instant(stamp), line: rest.join(" ") };
        })
        .sort((a, b) => a.at - b.at);
}

/** Milliseconds of an RFC 3339 time with up to nanoseconds, as the engine writes them. */
export function instant(rfc3339: string): number {
    return Date.parse(rfc3339.replace(/(\.\d{3})\d+/, "$1"));
}

export function logsOf(container: string): string {
    const result = docker(["logs", container]);
    return `${result.stdout}${result.stderr}`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
