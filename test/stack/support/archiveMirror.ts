import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface ArchiveMirror {
    /** Where the archive is, as a container on `network` reaches it. */
    url: string;
    /** The Docker network the mirror lives on: the download must run there (FETCH_NETWORK). */
    network: string;
    /** How many times the archive was requested so far. */
    requests(): number;
    close(): void;
}

function dockerOn(host: string | undefined) {
    return (args: string[]): { status: number | null; stdout: string; stderr: string } =>
        spawnSync("docker", [...(host === undefined ? [] : ["--host", host]), ...args], {
            encoding: "utf8",
            timeout: 120_000,
        });
}

export interface MirrorPlacement {
    /** The engine it runs on (a `--host` URL); unset: the default one. */
    dockerHost?: string;
    /** Container and network name; unset: a unique one. Mirrors of one name on several engines give the same URL. */
    name?: string;
}

/**
 * Serves a zip of the given data files, laid out like the UCI archive, from a container of `image`
 * (`python3 -m http.server`, the zip mounted read-only) on a Docker network of its own: a URL data source
 * is downloaded and verified for real without the host's network and without leaving this machine.
 */
export async function serveArchive(
    dataDir: string,
    files: string[],
    image: string,
    placement: MirrorPlacement = {},
): Promise<ArchiveMirror> {
    const name = placement.name ?? `adult-mlops-mirror-${process.pid}-${Date.now().toString(36)}`;
    const docker = dockerOn(placement.dockerHost);
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "adult-archive-"));
    fs.chmodSync(workDir, 0o755);
    execFileSync("/usr/bin/python3", [
        "-m",
        "zipfile",
        "-c",
        path.join(workDir, "adult.zip"),
        ...files.map((file) => path.join(dataDir, file)),
    ]);
    fs.chmodSync(path.join(workDir, "adult.zip"), 0o644);
    const close = () => {
        docker(["rm", "--force", name]);
        docker(["network", "rm", name]);
        fs.rmSync(workDir, { recursive: true, force: true });
    };
    try {
        const network = docker(["network", "create", name]);
        if (network.status !== 0) throw new Error(`docker network create failed: ${network.stderr}`);
        const started = docker([
            "run",
            "--detach",
            "--name",
            name,
            "--network",
            name,
            "--read-only",
            "--cap-drop",
            "ALL",
            "--mount",
            `type=bind,source=${workDir},target=/srv,readonly`,
            image,
            "python3",
            "-u",
            "-m",
            "http.server",
            "8000",
            "--directory",
            "/srv",
        ]);
        if (started.status !== 0) throw new Error(`the mirror did not start: ${started.stderr}`);
        const deadline = Date.now() + 60_000;
        while (!docker(["logs", name]).stdout.includes("Serving HTTP")) {
            if (Date.now() > deadline)
                throw new Error(`the mirror did not serve within 60 s: ${docker(["logs", name]).stderr}`);
            await new Promise((resolve) => setTimeout(resolve, 500));
        }
    } catch (error) {
        close();
        throw error;
    }
    return {
        url: `http://${name}:8000/adult.zip`,
        network: name,
        requests: () =>
            docker(["logs", name])
                .stderr.split("\n")
                .filter((line) => line.includes('"GET /adult.zip ')).length,
        close,
    };
}
