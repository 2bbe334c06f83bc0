/**
 * Fault drills: each failure a run can meet, provoked for real against the stack's pipeline command
 * (scripts/run-gated-pipeline.sh, which the Jenkins jobs share through scripts/model-container.sh).
 * Each drill asserts the documented exit status, exactly one `error:` line naming the cause, and that
 * nothing was cached, written or promoted (no metrics line; no container, data or files left behind).
 * Servers live on a Docker network the test creates; a second Docker engine the test starts on its own
 * socket, data root, exec root and bridge (test/support/secondEngine.ts) is the one that is stopped.
 * Every wait is bounded.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { DataSource } from "../../config/validators";
import {
    CALLER_EXIT_STATUS,
    EXIT_STATUS,
    exitStatusEnvironment,
    modelContainerEnvironment,
} from "../../contracts/modelImage";
import { buildModelImage, defaultContainerLimits, testModelImageTag } from "../support/modelImage";
import { repoRoot, sharedDataDir } from "../support/paths";
import { SecondEngine, startSecondEngine } from "../support/secondEngine";
import {
    containerExists,
    docker,
    drillName,
    errorLines,
    PipelineRun,
    pipelineEnvironment,
    promotedMetrics,
    sleep,
    startPipeline,
    volumeFiles,
} from "./support";

const image = testModelImageTag;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "adult-drills-"));
const directory = (folder: string) => ({ kind: "directory" as const, path: folder });

/** One pipeline run to its end, with the data of `source`. */
async function runPipeline(source: DataSource, settings = {}, extra: Record<string, string> = {}, volume = "") {
    return startPipeline(pipelineEnvironment(image, source, volume, settings, extra)).done;
}

function assertOneError(run: { stderr: string }, pattern: RegExp): void {
    const lines = errorLines(run as never);
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0], pattern);
}

before(() => {
    buildModelImage();
    fs.chmodSync(scratch, 0o755);
});
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe("drills: the container is stopped, killed or cannot run", { timeout: 20 * 60_000 }, () => {
    test("docker stop of a running pipeline ends it in under 3 s with the stopped status, its outputs removed", async () => {
        const container = drillName("stop");
        const run = startPipeline(
            pipelineEnvironment(
                image,
                directory(sharedDataDir),
                "",
                { model: "logreg" },
                { PIPELINE_CONTAINER: container },
            ),
        );
        assert.ok(await run.printed("preprocessing:", 300), "the run reached training");
        const started = Date.now();
        execFileSync("docker", ["stop", container], { stdio: "ignore", timeout: 60_000 });
        const stopSeconds = (Date.now() - started) / 1000;
        const result = await run.done;
        console.log(`# docker stop took ${stopSeconds.toFixed(2)} s`);
        assert.ok(stopSeconds < 3, `docker stop took ${stopSeconds} s`);
        assert.equal(result.status, EXIT_STATUS.stopped, result.stderr);
        assertOneError(result, /^error: stopped by SIGTERM .*partial outputs were removed; run it again/);
        assert.ok(!promotedMetrics(result));
        assert.ok(!containerExists(container));
    });

    test("a container killed for memory: the OOM status, with the limit", async () => {
        const container = drillName("oom");
        const result = await runPipeline(
            directory(sharedDataDir),
            {},
            { PIPELINE_CONTAINER: container, MODEL_MEMORY_LIMIT: "100m" },
        );
        assert.equal(result.status, CALLER_EXIT_STATUS.outOfMemory, result.stderr);
        assertOneError(
            result,
            new RegExp(
                `^error: the model container ${container} was killed for lack of memory \\(limit 100 MiB, .*raise MODEL_MEMORY_LIMIT`,
            ),
        );
        assert.ok(!promotedMetrics(result));
        assert.ok(!containerExists(container));
    });

    test("a container killed by a signal from outside: the killed status, with the signal", async () => {
        const container = drillName("kill");
        const run = startPipeline(
            pipelineEnvironment(
                image,
                directory(sharedDataDir),
                "",
                { model: "logreg" },
                { PIPELINE_CONTAINER: container },
            ),
        );
        assert.ok(await run.printed("preprocessing:", 300), "the run reached training");
        execFileSync("docker", ["kill", container], { stdio: "ignore", timeout: 60_000 });
        const result = await run.done;
        assert.equal(result.status, CALLER_EXIT_STATUS.killedBySignal, result.stderr);
        assertOneError(result, /^error: the model container .* was killed by SIGKILL \(docker exited 137\)/);
        assert.ok(!promotedMetrics(result));
        assert.ok(!containerExists(container));
    });

    test("an image that is not on the engine: the image-missing status, before anything runs", async () => {
        const missing = `sha256:${"0".repeat(64)}`;
        const result = await startPipeline(pipelineEnvironment(missing, directory(sharedDataDir), "", {}, {})).done;
        assert.equal(result.status, CALLER_EXIT_STATUS.imageMissing, result.stderr);
        assertOneError(result, /^error: the model image sha256:0+ is not on the Docker engine; build it again/);
    });
});

/** A Docker size as docker run --memory takes it (512m), in bytes. */
function memoryBytes(size: string): number {
    const match = /^(\d+)([kmg])$/.exec(size);
    assert.ok(match, size);
    return Number(match[1]) * 1024 ** ("kmg".indexOf(match[2]) + 1);
}

/** A model container started as every caller starts one (scripts/model-container.sh run_model_container), with the default limits. */
function runWithSharedFlags(name: string, args: string[]): PipelineRun {
    const started = Date.now();
    const run = spawnSync(
        "bash",
        [
            "-c",
            'source "$0" && run_model_container "$@"',
            path.join(repoRoot, "scripts", "model-container.sh"),
            name,
            "--network",
            "none",
            ...args,
        ],
        {
            encoding: "utf8",
            env: { ...process.env, ...exitStatusEnvironment(), ...modelContainerEnvironment(defaultContainerLimits) },
            timeout: 300_000,
        },
    );
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, seconds: (Date.now() - started) / 1000 };
}

describe(
    "drills: every model container is hardened and limited (scripts/model-container.sh)",
    { timeout: 20 * 60_000 },
    () => {
        // Forks children that exec sleep until a fork is refused, reading the cgroup's pids.current after each.
        const forkBomb = [
            "import os, sys",
            "def pids(name):",
            "    for folder in ('/sys/fs/cgroup', '/sys/fs/cgroup/pids'):",
            "        try:",
            "            return open(f'{folder}/pids.{name}').read().strip()",
            "        except OSError:",
            "            pass",
            "children = peak = 0",
            "try:",
            "    while children < 2000:",
            "        if os.fork() == 0:",
            "            os.execv('/bin/sleep', ['sleep', '60'])",
            "        children += 1",
            "        peak = max(peak, int(pids('current')))",
            "except OSError as error:",
            "    print(f'refused after {children} children: {error}; pids.max {pids(\"max\")}; peak pids.current {peak}', flush=True)",
            "    sys.exit(1)",
            "print(f'spawned {children} children; pids.max {pids(\"max\")}; peak pids.current {peak}')",
        ].join("\n");

        test("a fork bomb stops at the pids limit, not at the host's: Resource temporarily unavailable", () => {
            const limit = defaultContainerLimits.pids;
            const container = drillName("forks");
            const run = runWithSharedFlags(container, [image, "python3", "-c", forkBomb]);
            console.log(`# ${run.stdout.trim()}`);
            assert.equal(run.status, 1, run.stdout + run.stderr);
            const match =
                /^refused after (\d+) children: \[Errno 11\] Resource temporarily unavailable; pids\.max (\d+); peak pids\.current (\d+)$/m.exec(
                    run.stdout,
                );
            assert.ok(match, run.stdout + run.stderr);
            const [children, max, peak] = match.slice(1).map(Number);
            assert.equal(max, limit, "the container's pids.max is the limit");
            assert.ok(peak <= limit && peak >= limit - 2, `pids.current peaked at ${peak} of ${limit}`);
            assert.ok(children < limit, `${children} children`);
            assert.ok(!containerExists(container));
        });

        test("a container over the default memory limit: the OOM status, naming that limit", () => {
            const limit = defaultContainerLimits.memory;
            const container = drillName("oom-default");
            const run = runWithSharedFlags(container, [
                image,
                "python3",
                "-c",
                `block = b"x" * ${2 * memoryBytes(limit)}`,
            ]);
            assert.equal(run.status, CALLER_EXIT_STATUS.outOfMemory, run.stderr);
            assertOneError(
                run,
                new RegExp(
                    `^error: the model container ${container} was killed for lack of memory \\(limit ${memoryBytes(limit) / 1048576} MiB, .*raise MODEL_MEMORY_LIMIT \\(the stack's modelMemoryLimit\\)`,
                ),
            );
            assert.ok(!containerExists(container));
        });

        test("the stack's command: its pipeline and report-export containers have the shared flags and limits (docker inspect)", async () => {
            // A docker that inspects each container just before the scripts remove it, then does what was asked.
            const bin = path.join(scratch, "inspecting-docker");
            const inspected = path.join(scratch, "inspected.jsonl");
            const realDocker = execFileSync("sh", ["-c", "command -v docker"], { encoding: "utf8" }).trim();
            fs.mkdirSync(bin, { recursive: true });
            fs.writeFileSync(
                path.join(bin, "docker"),
                [
                    "#!/bin/sh",
                    `if [ "$1" = rm ] && [ "$2" = --force ]; then "${realDocker}" container inspect --format '{{json .}}' "$3" >> "${inspected}" 2>/dev/null; fi`,
                    `exec "${realDocker}" "$@"`,
                ].join("\n") + "\n",
                { mode: 0o755 },
            );
            const container = drillName("flags");
            const result = await runPipeline(
                directory(sharedDataDir),
                { model: "xgb" },
                { PIPELINE_CONTAINER: container, PATH: `${bin}:${process.env.PATH}` },
            );
            assert.equal(result.status, 0, result.stderr);
            const containers = fs
                .readFileSync(inspected, "utf8")
                .split("\n")
                .filter((line) => line !== "")
                .map((line) => JSON.parse(line));
            const byName = new Map(containers.map((c) => [String(c.Name).replace(/^\//, ""), c]));
            const exporter = [...byName.keys()].find((name) => name.startsWith("adult-mlops-export-"));
            assert.ok(byName.has(container) && exporter !== undefined, [...byName.keys()].join(", "));
            for (const name of [container, exporter]) {
                const host = byName.get(name).HostConfig;
                const seen = {
                    ReadonlyRootfs: host.ReadonlyRootfs,
                    CapDrop: host.CapDrop,
                    SecurityOpt: host.SecurityOpt,
                    Init: host.Init,
                    NetworkMode: host.NetworkMode,
                    Tmpfs: host.Tmpfs,
                    Memory: host.Memory,
                    MemorySwap: host.MemorySwap,
                    PidsLimit: host.PidsLimit,
                };
                assert.deepEqual(
                    seen,
                    {
                        ReadonlyRootfs: true,
                        CapDrop: ["ALL"],
                        SecurityOpt: ["no-new-privileges"],
                        Init: true,
                        NetworkMode: "none",
                        Tmpfs: { "/work": "uid=10001,gid=10001,mode=0700" },
                        Memory: memoryBytes(defaultContainerLimits.memory),
                        MemorySwap: memoryBytes(defaultContainerLimits.memory),
                        PidsLimit: defaultContainerLimits.pids,
                    },
                    name,
                );
            }
            assert.ok(!containerExists(container) && !containerExists(exporter));
        });
    },
);

describe(
    "drill: the Docker engine stops during a run (a second engine, started and stopped by this test)",
    { timeout: 20 * 60_000 },
    () => {
        let engine: SecondEngine;

        before(async () => {
            engine = await startSecondEngine({ name: "drill", subnet: "10.250.99.1/24" });
            engine.loadImages([image]);
        });
        after(() => engine?.remove());

        test("the engine stopped mid-run: the engine status, and what to do", async () => {
            const socket = engine.socketUrl;
            const run = startPipeline(
                pipelineEnvironment(image, directory(sharedDataDir), "", { model: "logreg" }, { DOCKER_HOST: socket }),
            );
            assert.ok(await run.printed("preprocessing:", 300), "the run reached training on the second engine");
            await engine.stop();
            const result = await run.done;
            assert.equal(result.status, CALLER_EXIT_STATUS.engineUnreachable, result.stderr);
            // The engine's shutdown first stopped the container (its own line, exit 5); the caller's line says why.
            const lines = errorLines(result);
            assert.match(
                lines[lines.length - 1],
                /^error: the Docker engine stopped answering while the model container .* ran .*start the engine again/,
            );
            assert.ok(
                lines.slice(0, -1).every((line) => line.startsWith("error: stopped by SIGTERM")),
                result.stderr,
            );
            assert.ok(!promotedMetrics(result));
            const again = await startPipeline(
                pipelineEnvironment(image, directory(sharedDataDir), "", {}, { DOCKER_HOST: socket }),
            ).done;
            assert.equal(again.status, CALLER_EXIT_STATUS.engineUnreachable, again.stderr);
            assertOneError(again, new RegExp(`^error: the Docker engine ${socket} does not answer; start it`));
        });
    },
);

describe(
    "drills: the download server misbehaves (a server container on a network of the test)",
    { timeout: 20 * 60_000 },
    () => {
        const network = drillName("net");
        const server = drillName("server");
        const volumes: string[] = [];
        const served = path.join(scratch, "served");

        before(async () => {
            fs.mkdirSync(served, { mode: 0o755 });
            execFileSync(
                "/usr/bin/python3",
                ["-m", "zipfile", "-c", path.join(served, "adult.zip"), "adult.data", "adult.test", "adult.names"],
                { cwd: sharedDataDir },
            );
            fs.chmodSync(path.join(served, "adult.zip"), 0o644);
            assert.equal(docker(["network", "create", network]).status, 0);
            const started = docker([
                "run",
                "--detach",
                "--name",
                server,
                "--network",
                network,
                "--read-only",
                "--cap-drop",
                "ALL",
                "--mount",
                `type=bind,source=${served},target=/srv,readonly`,
                "--mount",
                `type=bind,source=${path.join(repoRoot, "test", "ml", "faultserver.py")},target=/code/faultserver.py,readonly`,
                image,
                "python3",
                "/code/faultserver.py",
                "/srv/adult.zip",
                "8000",
            ]);
            assert.equal(started.status, 0, started.stderr);
            for (let waited = 0; !docker(["logs", server]).stderr.includes("serving on port"); waited += 1) {
                assert.ok(waited < 60, "the fault server did not start");
                await sleep(1);
            }
        });
        after(() => {
            docker(["rm", "--force", server]);
            docker(["network", "rm", network]);
            for (const volume of volumes) docker(["volume", "rm", "--force", volume]);
        });

        async function fetchRun(file: string, extra: Record<string, string> = {}) {
            const volume = drillName("data");
            volumes.push(volume);
            const run = await runPipeline(
                { kind: "url", url: `http://${server}:8000/${file}` },
                {},
                { FETCH_NETWORK: network, ...extra },
                volume,
            );
            return { run, volume };
        }
        const requests = (file: string) =>
            docker(["logs", server])
                .stderr.split("\n")
                .filter((line) => line === `request GET /${file}`).length;

        test("a body cut short is a download failure (4), tried 3 times, nothing cached", async () => {
            const { run, volume } = await fetchRun("short.zip");
            assert.equal(run.status, EXIT_STATUS.downloadFailed, run.stderr);
            assertOneError(
                run,
                /^error: http:\/\/.*\/short\.zip: the server sent \d+ of the \d+ bytes it announced \(Content-Length\).*gave up after 3 attempts/,
            );
            assert.equal(requests("short.zip"), 3);
            assert.deepEqual(volumeFiles(image, volume), []);
            assert.ok(!promotedMetrics(run));
        });

        test("a server that trickles past DOWNLOAD_DEADLINE_SECONDS is given up at the deadline (4), nothing cached", async () => {
            const { run, volume } = await fetchRun("trickle.zip", { DOWNLOAD_DEADLINE_SECONDS: "4" });
            assert.equal(run.status, EXIT_STATUS.downloadFailed, run.stderr);
            assertOneError(
                run,
                /^error: http:\/\/.*\/trickle\.zip: not complete after DOWNLOAD_DEADLINE_SECONDS=4 \(\d+ bytes received\)/,
            );
            assert.ok(run.seconds < 60, `the run took ${run.seconds} s`);
            assert.equal(requests("trickle.zip"), 1);
            assert.deepEqual(volumeFiles(image, volume), []);
            assert.ok(!promotedMetrics(run));
        });

        test("a 503 then success: retried once, verified, cached, and the run completes", async () => {
            const { run, volume } = await fetchRun("flaky.zip");
            assert.equal(run.status, 0, run.stderr);
            assert.match(run.stderr, /attempt 1 failed \(.*HTTP 503.*\); trying again in 1 s/);
            assert.equal(requests("flaky.zip"), 2);
            assert.deepEqual(volumeFiles(image, volume), ["adult.data", "adult.names", "adult.test"]);
            assert.ok(promotedMetrics(run));
        });
    },
);

describe("drills: bad inputs are refused before anything is opened or written", { timeout: 20 * 60_000 }, () => {
    const data = path.join(scratch, "data");

    before(() => {
        fs.mkdirSync(data, { mode: 0o755 });
        fs.copyFileSync(path.join(sharedDataDir, "adult.data"), path.join(data, "adult.data"));
        const lines = fs.readFileSync(path.join(sharedDataDir, "adult.test"), "utf8").split("\n");
        fs.writeFileSync(
            path.join(data, "one_label.test"),
            lines.filter((line) => !line.trimEnd().endsWith(">50K.")).join("\n"),
        );
        fs.symlinkSync("/etc/passwd", path.join(data, "passwd.csv"));
        // 65 MiB, sparse: over the default MAX_INPUT_BYTES (64 MiB) without using the disk.
        fs.writeFileSync(path.join(data, "big.csv"), "");
        fs.truncateSync(path.join(data, "big.csv"), 65 * 1024 * 1024);
        for (const file of fs.readdirSync(data)) if (file !== "passwd.csv") fs.chmodSync(path.join(data, file), 0o644);
    });

    const cases: [string, Record<string, string>, RegExp][] = [
        [
            "a test file with one label",
            { testDataFile: "one_label.test" },
            /^error: \/data\/one_label\.test: only 0 rows labelled '>50K' after cleaning; expected at least 10 of each label in the test file$/,
        ],
        [
            "a file name outside the data folder",
            { rawDataFile: "../etc/passwd" },
            /^error: RAW_DATA_FILE='\.\.\/etc\/passwd' leaves RAW_DATA_DIR; expected a file name inside it/,
        ],
        [
            "a symbolic link out of the data folder",
            { rawDataFile: "passwd.csv" },
            /^error: \/data\/passwd\.csv: leads to \/etc\/passwd, outside RAW_DATA_DIR \/data/,
        ],
        [
            "an input over the size limit",
            { rawDataFile: "big.csv", testDataFile: "" },
            /^error: \/data\/big\.csv: 68157440 bytes, more than MAX_INPUT_BYTES=67108864; .*raise MAX_INPUT_BYTES/,
        ],
    ];
    for (const [name, settings, message] of cases) {
        test(`${name}: bad input (2), one line, nothing promoted`, async () => {
            const container = drillName("input");
            const run = await runPipeline(directory(data), settings, { PIPELINE_CONTAINER: container });
            assert.equal(run.status, EXIT_STATUS.badInput, run.stderr);
            assertOneError(run, message);
            assert.doesNotMatch(run.stderr, /root:x:0:0/, "no line of the file outside appears");
            assert.ok(!promotedMetrics(run));
            assert.ok(!containerExists(container));
        });
    }
});
