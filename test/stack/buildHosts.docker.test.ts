/**
 * The stack with two Docker engines: the machine's own and a second one this test starts on its own
 * socket, data root, exec root and bridge (test/support/secondEngine.ts), standing in for another build
 * host. Under the executing mocks the model image is really built on each engine (through its provider's
 * host) and the gated pipeline really runs on pipelineHost.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { tlsFilesPreamble } from "../../components/dockerHost";
import { baseImage, buildModelImage } from "../support/modelImage";
import { checkoutId, repoRoot, sharedDataDir } from "../support/paths";
import { SecondEngine, startSecondEngine } from "../support/secondEngine";
import { serveArchive } from "./support/archiveMirror";
import { CommandRun, realModelEffects } from "./support/realEffects";
import { resourceNamed, runStack } from "./support/stackHarness";
import { gitHubConfig, gitHubSecretKeys } from "./support/stackModes";

const stackName = `hosts-${checkoutId}`;
const registryVolume = `adult-mlops-${stackName}-registry`;
const modelImage = `adult-mlops-${stackName}-model:latest`;
const dataVolume = `adult-mlops-${stackName}-data`;
const serviceContainer = `adult-mlops-${stackName}-model-service`;
const requestLogVolume = `adult-mlops-${stackName}-request-log`;
const reportsDir = path.join(repoRoot, "reports", stackName);
const archived = ["adult.data", "adult.test", "adult.names"];

function docker(host: string, args: string[]) {
    return spawnSync("docker", ["--host", host, ...args], { encoding: "utf8" });
}

function imageId(host: string): string | undefined {
    const inspect = docker(host, ["image", "inspect", "--format", "{{.Id}}", modelImage]);
    return inspect.status === 0 ? inspect.stdout.trim() : undefined;
}

/**
 * What the prediction service's start left on an engine (the mocks run no destroy): its container holds
 * 127.0.0.1:8090 of this machine, which the service on the other engine publishes too, and the registry volume.
 */
function removeService(host: string): void {
    docker(host, ["rm", "--force", serviceContainer]);
    docker(host, ["volume", "rm", "--force", requestLogVolume]);
}

/** The registry versions on an engine's registry volume (the volume must exist). */
function registryVersions(host: string): string[] {
    const listing = docker(host, [
        "run",
        "--rm",
        "--network",
        "none",
        "--volume",
        `${registryVolume}:/registry:ro`,
        baseImage,
        "ls",
        "/registry/versions",
    ]);
    assert.equal(listing.status, 0, listing.stderr);
    return listing.stdout.split("\n").filter(Boolean);
}

function lastMetrics(runs: CommandRun[]) {
    const run = runs.find((candidate) => candidate.name === "pipeline-run");
    assert.ok(run, "the pipeline command ran");
    return { run, metrics: JSON.parse(run.stdout.trimEnd().split("\n").pop() ?? "") };
}

describe("pulumi up with two Docker engines", { timeout: 40 * 60_000 }, () => {
    let mirrorImage = "";
    const local = "unix:///var/run/docker.sock";
    let engine: SecondEngine;
    let second = "";
    const hostsConfig = () => JSON.stringify([local, `${engine.socketUrl}?name=second&agent=127.0.0.1:2222`]);

    before(async () => {
        mirrorImage = buildModelImage();
        engine = await startSecondEngine({ name: "hosts", subnet: "10.250.95.1/24", outbound: true, tls: true });
        second = engine.socketUrl;
        // The base for its builds, and the image the data mirrors run (python3).
        engine.loadImages([baseImage, mirrorImage]);
        for (const host of [local, second]) {
            removeService(host);
            docker(host, ["volume", "rm", "--force", registryVolume]);
            docker(host, ["image", "rm", modelImage]);
        }
        // The stack creates it on pipelineHost; the mocks create nothing.
        assert.equal(docker(second, ["volume", "create", registryVolume]).status, 0);
    });
    after(async () => {
        removeService(local);
        docker(local, ["image", "rm", modelImage]);
        docker(local, ["volume", "rm", "--force", registryVolume]);
        await engine?.remove();
        fs.rmSync(reportsDir, { recursive: true, force: true });
    });

    it("builds the model image on both engines, runs the gated pipeline on pipelineHost and says which host it ran on", async () => {
        const started = Date.now();
        const runs: CommandRun[] = [];
        const stack = await runStack(
            { dataSource: sharedDataDir, buildHosts: hostsConfig(), pipelineHost: "second" },
            realModelEffects(runs),
            { stack: stackName },
        );
        const seconds = (Date.now() - started) / 1000;
        const { run, metrics } = lastMetrics(runs);

        const builtOnSecond = imageId(second);
        const builtOnLocal = imageId(local);
        assert.ok(builtOnSecond && builtOnLocal, "the model image was built on both engines");
        assert.deepEqual(
            stack.outputs.modelImage,
            { name: modelImage, digest: builtOnSecond },
            "the pipeline's image is the second engine's build",
        );
        assert.equal(run.environment.DOCKER_HOST, second);
        assert.equal(run.environment.MODEL_IMAGE, builtOnSecond);
        assert.equal(
            resourceNamed(stack, "command:local:Command", "model-image-second-removal").inputs.environment.DOCKER_HOST,
            second,
        );

        assert.equal(stack.outputs.pipelineHost, "second");
        assert.deepEqual(
            (stack.outputs.buildHosts as Array<{ name: string }>).map((host) => host.name),
            ["local", "second"],
        );
        assert.equal(stack.outputs.gatePassed, true);
        assert.equal(stack.outputs.validationAccuracy, metrics.validation_acc);
        assert.equal(stack.outputs.promoted, true);
        // The run's model went into the second engine's registry; the main engine has none.
        assert.deepEqual(registryVersions(second), ["1"]);
        assert.equal(
            docker(local, ["volume", "inspect", registryVolume]).status,
            1,
            "no registry volume on the main engine",
        );
        console.log(
            `# two engines: up (model image built on both, pipeline on the second) took ${seconds.toFixed(0)} s; the pipeline run ${metrics.seconds.total} s`,
        );
    });

    // The checksums pinned in the image make the copies interchangeable: same files, same figures.
    it("downloads and verifies the data on whichever host runs the pipeline, with the same figures on both", async () => {
        assert.equal(docker(local, ["volume", "create", registryVolume]).status, 0);
        const name = `adult-mlops-mirror-${checkoutId}`;
        // One mirror per engine under one name: each engine's containers reach their own at the same URL.
        const mirrors = {
            local: await serveArchive(sharedDataDir, archived, mirrorImage, { name }),
            second: await serveArchive(sharedDataDir, archived, mirrorImage, { name, dockerHost: second }),
        };
        process.env.FETCH_NETWORK = name;
        try {
            const source = { dataSource: mirrors.local.url };
            const onSecond = lastMetrics(await collect({ ...source, pipelineHost: "second" }));
            assert.deepEqual(
                [mirrors.second.requests(), mirrors.local.requests()],
                [1, 0],
                "the second host downloaded its own copy",
            );
            assert.match(onSecond.run.stderr, /adult\.data \(sha256 [0-9a-f]{64} verified\)/);
            const onLocal = lastMetrics(await collect({ ...source, pipelineHost: "local" }));
            assert.deepEqual(
                [mirrors.second.requests(), mirrors.local.requests()],
                [1, 1],
                "the first host downloaded its own copy",
            );
            for (const figure of ["validation_acc", "test_acc", "gate_passed", "split", "rows", "data"]) {
                assert.deepEqual(onLocal.metrics[figure], onSecond.metrics[figure], figure);
            }
            assert.deepEqual(registryVersions(local), ["1"], "the first host's registry took its run");
        } finally {
            delete process.env.FETCH_NETWORK;
            mirrors.local.close();
            mirrors.second.close();
            for (const host of [local, second]) docker(host, ["volume", "rm", "--force", dataVolume]);
        }
    });

    it("reaches a host over TCP with TLS material from secret configuration: builds there, runs the pipeline there, leaves no key on disk", async () => {
        const tempDirs = () => new Set(fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith("tmp.")));
        const before = tempDirs();
        const versionsBefore = registryVersions(second).length;
        const name = `adult-mlops-mirror-tls-${checkoutId}`;
        const mirror = await serveArchive(sharedDataDir, archived, mirrorImage, { name, dockerHost: second });
        process.env.FETCH_NETWORK = name;
        for (const host of [local, second]) removeService(host);
        try {
            const runs: CommandRun[] = [];
            const stack = await runStack(
                {
                    ...gitHubConfig,
                    dataSource: mirror.url,
                    buildHosts: JSON.stringify([
                        local,
                        `${engine.tlsUrl}?name=second&agent=127.0.0.1:2222&socket=${engine.socketPath}`,
                    ]),
                    pipelineHost: "second",
                    dockerTls: JSON.stringify({ second: engine.clientTls }),
                },
                realModelEffects(runs),
                { stack: stackName, secretKeys: [...gitHubSecretKeys, "dockerTls"] },
            );
            const { run, metrics } = lastMetrics(runs);
            assert.equal(run.environment.DOCKER_HOST, engine.tlsUrl);
            assert.ok(run.create.startsWith(tlsFilesPreamble), "the command writes the client material for the CLI");
            assert.equal(mirror.requests(), 1, "the TLS host downloaded the data itself");
            assert.equal(stack.outputs.validationAccuracy, metrics.validation_acc);
            assert.equal(
                stack.secretOutputs.has("validationAccuracy"),
                false,
                "the figures are not secret though a key was among the command's inputs",
            );
            assert.equal(
                registryVersions(second).length,
                versionsBefore + 1,
                "the run went into the TLS host's registry",
            );
            assert.deepEqual(
                [...tempDirs()].filter((dir) => !before.has(dir)),
                [],
                "the client material was removed",
            );
        } finally {
            delete process.env.FETCH_NETWORK;
            mirror.close();
            docker(second, ["volume", "rm", "--force", dataVolume]);
        }
    });

    async function collect(config: Record<string, string>): Promise<CommandRun[]> {
        for (const host of [local, second]) removeService(host);
        const runs: CommandRun[] = [];
        await runStack({ dataSource: sharedDataDir, buildHosts: hostsConfig(), ...config }, realModelEffects(runs), {
            stack: stackName,
        });
        return runs;
    }
});
