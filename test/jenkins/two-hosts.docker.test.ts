/**
 * Two build hosts, two Jenkins chains at the same time: the first host's chain in an agent on the main
 * engine, the second host's chain (`*-on-second`) in an agent on a second Docker engine started by the
 * test, each driving its own engine through its mounted socket, as the stack sets them up. The second
 * agent publishes its SSH on 127.0.0.1 like a non-first host's agent; the controller's path to it is
 * checked with the controller's key and the pinned host key. Both chains build the model on their own
 * engine from the same project and data (../shared/data, directory mode): the same figures and verdict,
 * promoted on the registry's host, reported and not recorded on the other.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import YAML from "yaml";
import { pipelineMetricsSchema } from "../../contracts/metricsLine";
import { renderJenkins } from "../../jenkins/render";
import { AgentSettings, AGENT_HOST_KEY_FILE, JenkinsSettings, RenderedJenkins } from "../../jenkins/settings";
import { repoRoot, sharedDataDir } from "../support/paths";
import { freePort } from "../support/ports";
import { SecondEngine, startSecondEngine } from "../support/secondEngine";
import {
    agentImageTag,
    buildAgentImage,
    docker,
    dockerSocket,
    makeSshKey,
    onEngine,
    removeContainer,
    startAgent,
    uniqueName,
} from "./agent";
import { archivedFiles, chainJobs, ChainRun, description, expectChain, runChain } from "./chainRunner";
import { jenkinsSettingsFor } from "./fixtures";

const names = {
    jobModelImage: uniqueName("adult-mlops-jenkins-two-hosts"),
    modelContainer: uniqueName("adult-mlops-model-two-hosts"),
    dataVolume: uniqueName("adult-mlops-jenkins-two-hosts-data"),
    registryVolume: uniqueName("adult-mlops-jenkins-two-hosts-registry"),
};
const agentOnMain = uniqueName("adult-mlops-jenkins-agent-local");
const agentOnSecond = uniqueName("adult-mlops-jenkins-agent-second");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "jenkins-two-hosts-"));
const keysDir = path.join(scratch, "keys");
const jobImage = `${names.jobModelImage}:jenkins`;

/** A known_hosts line for the agent's SSH published on 127.0.0.1:port, with the given public key. */
const knownHost = (port: number, publicKey: string) =>
    `[127.0.0.1]:${port} ${publicKey.split(" ").slice(0, 2).join(" ")}\n`;

describe(
    "two build hosts: two Jenkins chains at the same time, one per engine, with the same verdict figures",
    { timeout: 60 * 60_000 },
    () => {
        let engine: SecondEngine | undefined;
        let port = 0;
        let settings: JenkinsSettings;
        let rendered: RenderedJenkins;
        let controllerKey = "";
        let agentHostKey = "";
        let chains: { local: ChainRun; second: ChainRun; seconds: number } | undefined;

        const agentOf = (name: string): AgentSettings => {
            const agent = settings.agents.find((candidate) => candidate.buildHost === name);
            assert.ok(agent, `an agent for build host ${name}`);
            return agent;
        };
        /** The docker CLI on the second engine. */
        const onSecond = (args: string[]) => docker(onEngine(engine?.socketUrl, args));
        /** ssh from this machine to the second agent's published port, as the controller logs in. */
        const sshToSecond = (knownHosts: string, command: string) =>
            spawnSync(
                "ssh",
                [
                    "-F",
                    "/dev/null",
                    "-i",
                    path.join(keysDir, "controller"),
                    "-p",
                    String(port),
                    "-o",
                    "BatchMode=yes",
                    "-o",
                    "StrictHostKeyChecking=yes",
                    "-o",
                    `UserKnownHostsFile=${knownHosts}`,
                    "-o",
                    "ConnectTimeout=20",
                    "jenkins@127.0.0.1",
                    command,
                ],
                { encoding: "utf8", timeout: 60_000 },
            );

        before(async () => {
            buildAgentImage();
            port = await freePort();
            engine = await startSecondEngine({ name: "chains", subnet: "10.250.96.1/24", outbound: true });
            // The first host is the main engine (it runs the controller); the second is the engine of this test.
            settings = jenkinsSettingsFor({
                dataSource: sharedDataDir,
                rawDataFile: "adult.data",
                testDataFile: "adult.test",
                buildHosts: JSON.stringify([
                    "unix:///var/run/docker.sock",
                    `${engine.socketUrl}?name=second&agent=127.0.0.1:${port}`,
                ]),
            });
            // Names of this test's own, so that it leaves alone what a stack or another test made on the engines.
            settings = { ...settings, names };
            rendered = renderJenkins(settings);
            engine.loadImages([settings.baseImage, agentImageTag]);

            // The model registry the stack creates on pipelineHost's engine (the first host's by default) only.
            assert.equal(docker(["volume", "create", names.registryVolume]).status, 0);
            // The agents' jenkins user reads the project: the copy must be world-readable like a checkout.
            const project = path.join(scratch, "project");
            for (const folder of ["ml", "scripts"]) {
                fs.cpSync(path.join(repoRoot, folder), path.join(project, folder), {
                    recursive: true,
                    filter: (source) => !source.includes("__pycache__"),
                });
            }
            fs.chmodSync(scratch, 0o755);
            fs.mkdirSync(keysDir, { mode: 0o700 });
            controllerKey = makeSshKey(keysDir, "controller");
            agentHostKey = makeSshKey(keysDir, "second-agent-host");
            startAgent(agentOnMain, [
                "--env",
                `JENKINS_AGENT_SSH_PUBKEY=${controllerKey}`,
                "--volume",
                `${dockerSocket}:${dockerSocket}`,
                "--volume",
                `${project}:${settings.projectDir}:ro`,
            ]);
            // As the stack runs a non-first host's agent: on that host's engine, driving it, its SSH published at agent=.
            const second = agentOf("second");
            startAgent(
                agentOnSecond,
                [
                    "--env",
                    `JENKINS_AGENT_SSH_PUBKEY=${controllerKey}`,
                    "--volume",
                    `${engine.socketPath}:${dockerSocket}`,
                    "--volume",
                    `${project}:${settings.projectDir}:ro`,
                    "--volume",
                    `${path.join(keysDir, "second-agent-host")}:${AGENT_HOST_KEY_FILE}:ro`,
                    "--publish",
                    `${second.host}:${second.port}:22`,
                ],
                engine.socketUrl,
            );
        });

        after(async () => {
            removeContainer(agentOnMain);
            docker(["rm", "--force", names.modelContainer]);
            docker(["image", "rm", jobImage]);
            docker(["volume", "rm", names.registryVolume]);
            docker(["volume", "rm", names.dataVolume]);
            if (engine !== undefined) {
                removeContainer(agentOnSecond, engine.socketUrl);
                onSecond(["rm", "--force", names.modelContainer]);
                onSecond(["image", "rm", jobImage]);
                onSecond(["volume", "rm", names.registryVolume]);
                onSecond(["volume", "rm", names.dataVolume]);
                await engine.remove();
            }
            fs.rmSync(scratch, { recursive: true, force: true });
        });

        test("the settings give each host an agent, and the JCasC a node for each, where the controller reaches it", () => {
            const [local] = settings.agents;
            assert.deepEqual(
                settings.agents.map(({ buildHost, node, label, jobSuffix, host, port: agentPort, holdsRegistry }) => ({
                    buildHost,
                    node,
                    label,
                    jobSuffix,
                    host,
                    port: agentPort,
                    holdsRegistry,
                })),
                [
                    {
                        buildHost: "local",
                        node: "docker-agent",
                        label: "docker",
                        jobSuffix: "",
                        host: local.host,
                        port: 22,
                        holdsRegistry: true,
                    },
                    {
                        buildHost: "second",
                        node: "docker-agent-second",
                        label: "docker-second",
                        jobSuffix: "-on-second",
                        host: "127.0.0.1",
                        port,
                        holdsRegistry: false,
                    },
                ],
            );
            const nodes: {
                permanent: { name: string; labelString: string; launcher: { ssh: { host: string; port: number } } };
            }[] = YAML.parse(rendered.cascYaml).jenkins.nodes;
            assert.deepEqual(
                nodes.map(({ permanent }) => ({
                    name: permanent.name,
                    label: permanent.labelString,
                    host: permanent.launcher.ssh.host,
                    port: permanent.launcher.ssh.port,
                })),
                settings.agents.map((agent) => ({
                    name: agent.node,
                    label: agent.label,
                    host: agent.host,
                    port: agent.port,
                })),
            );
            // Each chain's four jobs are bound to its agent's label, so they never leave its engine.
            for (const agent of settings.agents) {
                const jobs = chainJobs(rendered.jobs, agent.jobSuffix);
                assert.equal(Object.keys(jobs).length, 4, `${agent.buildHost}: ${Object.keys(jobs).join(", ")}`);
                for (const [job, summary] of Object.entries(jobs)) assert.equal(summary.assignedNode, agent.label, job);
            }
        });

        test("the controller reaches the second agent at its published address, over the pinned host key, and it drives the second engine", () => {
            const pinned = path.join(keysDir, "known_hosts");
            fs.writeFileSync(pinned, knownHost(port, agentHostKey));
            const result = sshToSecond(pinned, "docker info --format '{{.DockerRootDir}}'");
            assert.equal(result.status, 0, result.stderr);
            assert.equal(result.stdout.trim(), path.join(engine!.root, "data"));

            const other = path.join(keysDir, "known_hosts_other");
            fs.writeFileSync(other, knownHost(port, controllerKey));
            const refused = sshToSecond(other, "true");
            assert.notEqual(refused.status, 0, refused.stdout);
            assert.match(refused.stderr, /HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
        });

        test("both chains at once, each in its agent on its engine: all four jobs succeed in both", async () => {
            const started = Date.now();
            const [local, second] = await Promise.all([
                runChain({ container: agentOnMain, settings: agentOf("local") }, rendered),
                runChain(
                    { container: agentOnSecond, engine: engine!.socketUrl, settings: agentOf("second") },
                    rendered,
                ),
            ]);
            chains = { local, second, seconds: (Date.now() - started) / 1000 };
            // The test runner prints a test's output as TAP comments ("# ...").
            console.log(
                `first run (the second engine builds the model image from its base image): chain on local: ${Math.round(local.seconds)} s; chain on second: ${Math.round(second.seconds)} s; both at once: ${Math.round(chains.seconds)} s`,
            );
            expectChain(local, ["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS"]);
            expectChain(second, ["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS"]);
            // The two chains overlapped: each started before the other ended.
            assert.ok(
                local.started < second.ended && second.started < local.ended,
                `local ${local.started}-${local.ended}, second ${second.started}-${second.ended}`,
            );
        });

        test("the same figures on both engines; promoted where the registry is, reported and not recorded on the other", () => {
            assert.ok(chains, "the chains ran");
            const { local, second } = chains;
            // Both chains' metrics as the contract's schema reads them: "not recorded" on the host without the registry.
            const localMetrics = pipelineMetricsSchema.parse(JSON.parse(archivedFiles(local)["results/metrics.json"]));
            const secondMetrics = pipelineMetricsSchema.parse(
                JSON.parse(archivedFiles(second)["results/metrics.json"]),
            );
            assert.equal(typeof localMetrics.validation_acc, "number");
            assert.equal(typeof localMetrics.test_acc, "number");
            assert.deepEqual(
                { validation_acc: secondMetrics.validation_acc, test_acc: secondMetrics.test_acc },
                { validation_acc: localMetrics.validation_acc, test_acc: localMetrics.test_acc },
            );

            assert.equal(localMetrics.promoted, true);
            assert.equal(localMetrics.registry.version, 1);
            const localDescription = description(local.testJob.summary, local.runs[3].output) ?? "";
            assert.match(localDescription, /^validation_acc 0\.\d{4}, test_acc 0\.\d{4}: promoted, v1 is the champion/);

            assert.equal(secondMetrics.promoted, false);
            assert.equal(secondMetrics.registry.version, null);
            assert.equal(secondMetrics.registry.verdict, "not recorded");
            const secondDescription = description(second.testJob.summary, second.runs[3].output) ?? "";
            assert.match(secondDescription, /not recorded \(no model registry on this build host/);
            // The same figures in both descriptions: the verdicts differ only in where they are recorded.
            assert.equal(secondDescription.split(":")[0], localDescription.split(":")[0]);
            console.log(`local: ${localDescription}`);
            console.log(`second: ${secondDescription}`);
        });

        test("one version in the main engine's registry, no registry on the second engine, the job's model image on both, no model container left", () => {
            assert.ok(chains, "the chains ran");
            const registry = docker([
                "run",
                "--rm",
                "--network",
                "none",
                "--mount",
                `type=volume,source=${names.registryVolume},target=/registry,readonly`,
                "--entrypoint",
                "sh",
                jobImage,
                "-c",
                "ls /registry/versions; echo ---; cat /registry/champion.json",
            ]);
            assert.equal(registry.status, 0, registry.stderr);
            const [versions, champion] = registry.stdout.split("---\n");
            assert.deepEqual(versions.trim().split("\n"), ["1"]);
            assert.deepEqual(JSON.parse(champion), { version: 1 });

            const secondVolumes = onSecond(["volume", "ls", "--format", "{{.Name}}"]);
            assert.equal(secondVolumes.status, 0, secondVolumes.stderr);
            assert.deepEqual(
                secondVolumes.stdout.split("\n").filter((name) => name.includes(names.registryVolume)),
                [],
            );

            for (const [where, inspect] of [
                ["main", docker],
                ["second", onSecond],
            ] as const) {
                const image = inspect(["image", "inspect", "--format", "{{.Id}}", jobImage]);
                assert.equal(image.status, 0, `${jobImage} on the ${where} engine: ${image.stderr}`);
                const containers = inspect([
                    "container",
                    "ls",
                    "--all",
                    "--quiet",
                    "--filter",
                    `name=${names.modelContainer}`,
                ]);
                assert.equal(containers.stdout.trim(), "", `a model container is left on the ${where} engine`);
            }
        });

        // Timings only (for the docs): the same chains again, with both engines' build caches warm.
        test("with both build caches warm: the two chains one after the other, then at once", async () => {
            assert.ok(chains, "the chains ran");
            const local = { container: agentOnMain, settings: agentOf("local") };
            const second = { container: agentOnSecond, engine: engine!.socketUrl, settings: agentOf("second") };
            const oneAfterOther = [await runChain(local, rendered), await runChain(second, rendered)];
            const started = Date.now();
            const atOnce = await Promise.all([runChain(local, rendered), runChain(second, rendered)]);
            const bothAtOnce = (Date.now() - started) / 1000;
            for (const chain of [...oneAfterOther, ...atOnce])
                expectChain(chain, ["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS"]);
            assert.ok(
                atOnce[0].started < atOnce[1].ended && atOnce[1].started < atOnce[0].ended,
                "the chains run at once overlapped",
            );
            const [sequentialLocal, sequentialSecond] = oneAfterOther.map((chain) => Math.round(chain.seconds));
            console.log(
                `warm caches, one after the other: chain on local: ${sequentialLocal} s; chain on second: ${sequentialSecond} s; total: ${sequentialLocal + sequentialSecond} s`,
            );
            console.log(
                `warm caches, at once: chain on local: ${Math.round(atOnce[0].seconds)} s; chain on second: ${Math.round(atOnce[1].seconds)} s; both at once: ${Math.round(bothAtOnce)} s`,
            );
        });
    },
);
