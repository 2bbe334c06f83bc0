import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import YAML from "yaml";
import { sha256OfCommandInputs } from "../../fingerprints/commandInputs";
import { JOB_NAMES } from "../../jenkins/jobs";
import { summariseJob } from "../jenkins/jobXml";
import { simulatedProviders } from "./support/simulatedProviders";
import {
    isSecretInput,
    RecordedResource,
    resourceNamed,
    resourcesOfType,
    revealed,
    runStack,
    StackRun,
} from "./support/stackHarness";
import { multiHostConfig, multiHostSecretKeys } from "./support/stackModes";

/** The explicit provider's resource name, or undefined for the default provider. */
function providerOf(resource: RecordedResource): string | undefined {
    return resource.provider?.split("::").pop()?.replace(/-id$/, "");
}

function controllerFiles(run: StackRun): Map<string, string> {
    const uploads: Array<{ file: string; content: string }> = revealed(
        resourceNamed(run, "docker:index/container:Container", "jenkins-controller").inputs.uploads,
    );
    return new Map(uploads.map((upload) => [upload.file, upload.content]));
}

const hosts = ["local", "gpu-box", "trainer"] as const;
const scoped = (resource: string, host: string) => (host === "local" ? resource : `${resource}-${host}`);

describe("three build hosts: the local engine (Jenkins), gpu-box over SSH (pipelineHost), trainer over TCP with TLS", () => {
    let run: StackRun;
    before(async () => {
        run = await runStack(multiHostConfig, simulatedProviders, { secretKeys: multiHostSecretKeys });
    });

    // Catches the first host moved to an explicit provider (which would replace every resource it has), or a host without its own.
    it("gives each host but the local engine a Docker provider of its own, at its URL", () => {
        const providers = resourcesOfType(run, "pulumi:providers:docker").map((p) => [p.name, p.inputs.host]);
        assert.deepEqual(providers.sort(), [
            ["build-host-gpu-box", "ssh://ci@gpu-box.lab.example"],
            ["build-host-trainer", "tcp://trainer.lab.example:2376"],
        ]);
    });

    // pulumi/pulumi-docker provider/image.go configureDockerClientInner (lines 994-1022): an image is built
    // with the provider's host and TLS material, and all three of caMaterial, certMaterial and keyMaterial are
    // required together. The schema marks none of them secret (provider/cmd/pulumi-resource-docker/schema.json,
    // provider inputProperties), so the key must be a secret input of its own.
    it("hands the TLS host's provider all three PEM materials, the key as a secret", () => {
        const provider = resourceNamed(run, "pulumi:providers:docker", "build-host-trainer");
        assert.ok(isSecretInput(provider.wire?.inputs.keyMaterial));
        for (const material of ["caMaterial", "certMaterial"]) {
            assert.match(String(revealed(provider.inputs[material])), /-----BEGIN CERTIFICATE-----/);
        }
    });

    // pulumi/pulumi-docker provider/image.go lines 1053-1061: an ssh:// host is reached through docker's
    // connhelper (GetConnectionHelperWithSSHOpts), which runs the system's ssh with the provider's sshOpts
    // appended. With none, ssh checks the host key against the user's known_hosts and refuses an unknown
    // one in a non-interactive run: nothing may turn that off.
    it("leaves an SSH host's host key check to the user's known_hosts (no sshOpts)", () => {
        const provider = resourceNamed(run, "pulumi:providers:docker", "build-host-gpu-box");
        assert.equal(provider.inputs.sshOpts, undefined);
    });

    it("builds the model and agent images on every host, each with that host's provider", () => {
        for (const host of hosts) {
            const expected = host === "local" ? undefined : `build-host-${host}`;
            assert.equal(
                providerOf(resourceNamed(run, "docker:index/image:Image", scoped("model-image", host))),
                expected,
                host,
            );
            assert.equal(
                providerOf(resourceNamed(run, "docker:index/image:Image", scoped("jenkins-agent", host) + "-image")),
                expected,
                host,
            );
        }
        assert.equal(
            providerOf(resourceNamed(run, "docker:index/image:Image", "jenkins-controller-image")),
            undefined,
            "the controller stays on the first host",
        );
    });

    it("runs the pipeline on pipelineHost: its image, its volumes, its engine for the command's docker CLI", () => {
        const pipelineRun = resourceNamed(run, "command:local:Command", "pipeline-run");
        const gpuImage = simulatedProviders(
            resourceNamed(run, "docker:index/image:Image", "model-image-gpu-box"),
        ).repoDigest;
        assert.equal(pipelineRun.inputs.environment.DOCKER_HOST, "ssh://ci@gpu-box.lab.example");
        assert.equal(pipelineRun.inputs.environment.MODEL_IMAGE, gpuImage);
        for (const volume of resourcesOfType(run, "docker:index/volume:Volume").filter((v) =>
            v.name.startsWith("pipeline-"),
        )) {
            assert.equal(providerOf(volume), "build-host-gpu-box", volume.name);
        }
        assert.equal(run.outputs.pipelineHost, "gpu-box");
        assert.deepEqual(run.outputs.modelImage, { name: "adult-mlops-test-model:latest", digest: gpuImage });
        assert.equal(run.secretOutputs.has("pipelineMetrics"), false, "the figures stay plain");
    });

    // Catches the service on another engine than the registry it mounts.
    it("runs the prediction service on pipelineHost, beside the registry, with its request log volume there", () => {
        const service = resourceNamed(run, "command:local:Command", "model-service-container");
        assert.equal(service.inputs.environment.DOCKER_HOST, "ssh://ci@gpu-box.lab.example");
        assert.equal(
            service.inputs.environment.MODEL_IMAGE,
            simulatedProviders(resourceNamed(run, "docker:index/image:Image", "model-image-gpu-box")).repoDigest,
        );
        assert.equal(
            providerOf(resourceNamed(run, "docker:index/volume:Volume", "model-service-request-log")),
            "build-host-gpu-box",
        );
        assert.equal(run.outputs.predictionUrl, "http://127.0.0.1:8090", "on gpu-box's 127.0.0.1");
    });

    // Catches a host whose chain would download into a volume nothing removes on destroy.
    it("gives every host but pipelineHost a data volume of its own for its chain's verified copy, on its engine", () => {
        const volumes = resourcesOfType(run, "docker:index/volume:Volume").filter(
            (volume) => volume.inputs.name === "adult-mlops-test-data",
        );
        assert.deepEqual(volumes.map((volume) => [volume.name, providerOf(volume)]).sort(), [
            ["jenkins-job-data", undefined],
            ["jenkins-job-data-trainer", "build-host-trainer"],
            ["pipeline-data", "build-host-gpu-box"],
        ]);
        const leftovers = resourceNamed(run, "command:local:Command", "jenkins-job-leftovers-trainer");
        assert.ok(
            leftovers.wire?.dependencies.includes(
                volumes.find((v) => v.name === "jenkins-job-data-trainer")?.wire?.urn ?? "?",
            ),
            "removed after the leftovers",
        );
    });

    // The job data volumes were Jenkins' children: made beside the hosts now, each must alias the URN it had,
    // or the next `pulumi up` of an existing stack replaces it (and drops the verified download).
    it("makes the jobs' data volumes beside the build hosts, each aliasing its place under Jenkins", () => {
        const jenkins = resourceNamed(run, "adult-mlops:index:Jenkins", "jenkins");
        for (const name of ["jenkins-job-data", "jenkins-job-data-trainer"]) {
            const volume = resourceNamed(run, "docker:index/volume:Volume", name);
            assert.equal(volume.wire?.parent, "", name);
            assert.deepEqual(
                volume.wire?.aliases,
                [{ name, type: "docker:index/volume:Volume", parent: jenkins.wire?.urn }],
                name,
            );
        }
    });

    // pulumi/pulumi-docker provider/cmd/pulumi-resource-docker/schema.json (v5.1.0+24, line 788),
    // docker:index/ContainerPort:ContainerPort: ip "Defaults to `0.0.0.0`". Catches an agent published on
    // every interface, or at another address than the one the controller dials.
    it("publishes each other host's agent SSH at its configured address only; the first host's stays on the Jenkins network", () => {
        const agents = Object.fromEntries(
            hosts.map((host) => [
                host,
                resourceNamed(run, "docker:index/container:Container", scoped("jenkins-agent", host)),
            ]),
        );
        assert.equal(agents.local.inputs.ports, undefined);
        assert.equal(agents.local.inputs.networksAdvanced[0].name, "adult-mlops-test-jenkins");
        assert.deepEqual(agents["gpu-box"].inputs.ports, [{ internal: 22, external: 2222, ip: "10.0.0.12" }]);
        assert.deepEqual(agents.trainer.inputs.ports, [{ internal: 22, external: 2022, ip: "10.0.0.13" }]);
        for (const container of resourcesOfType(run, "docker:index/container:Container")) {
            for (const port of container.inputs.ports ?? []) {
                assert.ok(
                    port.ip && port.ip !== "0.0.0.0",
                    `${container.name} publishes ${port.external} on ${port.ip}`,
                );
            }
        }
        for (const host of hosts) {
            assert.equal(providerOf(agents[host]), host === "local" ? undefined : `build-host-${host}`);
            assert.ok(
                agents[host].inputs.volumes.some(
                    (v: { hostPath: string; containerPath: string }) =>
                        v.hostPath === "/var/run/docker.sock" && v.containerPath === "/var/run/docker.sock",
                ),
            );
        }
    });

    it("lets the controller log in to every agent with one key, and pins each agent's own host key", () => {
        const loginKeys = resourcesOfType(run, "tls:index/privateKey:PrivateKey").filter(
            (key) => key.name.startsWith("jenkins-agent") && !key.name.endsWith("-host-key"),
        );
        assert.deepEqual(
            loginKeys.map((key) => key.name),
            ["jenkins-agent-key"],
        );
        const trusted = hosts.map((host) =>
            revealed(resourceNamed(run, "docker:index/container:Container", scoped("jenkins-agent", host)).inputs.envs),
        );
        assert.deepEqual(trusted[1], trusted[0]);
        assert.deepEqual(trusted[2], trusted[0]);

        const nodes = YAML.parse(controllerFiles(run).get("/var/jenkins_conf/jenkins.yaml") ?? "").jenkins.nodes.map(
            (node: any) => node.permanent,
        );
        assert.deepEqual(
            nodes.map((node: any) => [
                node.name,
                node.labelString,
                node.numExecutors,
                node.launcher.ssh.host,
                node.launcher.ssh.port,
            ]),
            [
                ["docker-agent", "docker", 1, "adult-mlops-test-jenkins-agent", 22],
                ["docker-agent-gpu-box", "docker-gpu-box", 1, "10.0.0.12", 2222],
                ["docker-agent-trainer", "docker-trainer", 1, "10.0.0.13", 2022],
            ],
        );
        hosts.forEach((host, index) => {
            const hostKey = String(
                simulatedProviders(
                    resourceNamed(run, "tls:index/privateKey:PrivateKey", `${scoped("jenkins-agent", host)}-host-key`),
                ).publicKeyOpenssh,
            );
            assert.equal(
                nodes[index].launcher.ssh.sshHostKeyVerificationStrategy.manuallyProvidedKeyVerificationStrategy.key,
                hostKey.trim().split(" ").slice(0, 2).join(" "),
            );
        });
    });

    // Catches a chain whose jobs could run on two hosts (the model container lives on one engine), or a
    // registry written from a host that does not hold it.
    it("gives each host its own chain of the four jobs, bound to its label; only pipelineHost's chain promotes", () => {
        const files = controllerFiles(run);
        for (const [host, label, suffix] of [
            ["local", "docker", ""],
            ["gpu-box", "docker-gpu-box", "-on-gpu-box"],
            ["trainer", "docker-trainer", "-on-trainer"],
        ]) {
            const jobs = JOB_NAMES.map((job) =>
                summariseJob(files.get(`/usr/share/jenkins/ref/jobs/${job}${suffix}/config.xml.override`) ?? ""),
            );
            assert.deepEqual(
                jobs.map((job) => job.assignedNode),
                [label, label, label, label],
                host,
            );
            assert.deepEqual(
                jobs.map((job) => job.upstream?.projects),
                [undefined, ...JOB_NAMES.slice(0, 3).map((job) => [`${job}${suffix}`])],
                host,
            );
            const withoutRegistry = jobs.map((job) => job.shellSteps[0].command.includes('\nREGISTRY_VOLUME=""\n'));
            assert.deepEqual(withoutRegistry, Array(4).fill(host !== "gpu-box"), host);
        }
        assert.equal([...files.keys()].filter((file) => file.endsWith("config.xml.override")).length, 12);
    });

    // Catches an output that names jobs Jenkins does not have (the list is Jenkins' own, not retyped in index.ts).
    it("says where the pipeline ran and what runs on each host: its chain's jobs, as Jenkins names them", () => {
        const chain = (suffix: string) => JOB_NAMES.map((job) => `${job}${suffix}`).join(", ");
        assert.deepEqual(run.outputs.buildHosts, [
            {
                name: "local",
                docker: "the local engine (Docker's defaults)",
                agentSsh: "on the Jenkins network",
                jobs: "github-to-container, preprocessing, train, test",
            },
            {
                name: "gpu-box",
                docker: "ssh://ci@gpu-box.lab.example",
                agentSsh: "10.0.0.12:2222",
                jobs: chain("-on-gpu-box"),
            },
            {
                name: "trainer",
                docker: "tcp://trainer.lab.example:2376",
                agentSsh: "10.0.0.13:2022",
                jobs: chain("-on-trainer"),
            },
        ]);
        const listed = (run.outputs.buildHosts as Array<{ jobs: string }>).flatMap((host) => host.jobs.split(", "));
        const uploaded = [...controllerFiles(run).keys()].flatMap(
            (file) => /^\/usr\/share\/jenkins\/ref\/jobs\/([^/]+)\/config\.xml\.override$/.exec(file)?.[1] ?? [],
        );
        assert.deepEqual(listed.sort(), uploaded.sort());
    });

    it("points every command of the TLS host at it with the client material written to files, removed on exit", () => {
        for (const name of ["model-image-trainer-removal", "jenkins-job-leftovers-trainer"]) {
            const removal = resourceNamed(run, "command:local:Command", name);
            const environment = revealed(removal.inputs.environment);
            assert.equal(environment.DOCKER_HOST, "tcp://trainer.lab.example:2376");
            assert.match(environment.DOCKER_TLS_KEY, /BEGIN EC PRIVATE KEY/);
            assert.match(
                removal.inputs.delete,
                /^DOCKER_CERT_PATH="\$\(mktemp -d\)"\ntrap 'rm -rf "\$DOCKER_CERT_PATH"' EXIT\n/,
            );
        }
    });
});

describe("the pipeline and the prediction service on the TLS host", () => {
    // The key among the command's inputs makes its stdout secret (test/stack/support/stackHarness.ts
    // outputsMadeSecretByInputs, citing pulumi-command); the figures parsed from it are not secrets.
    it("keeps the figures and what the service serves plain outputs though the commands' environments are secret", async () => {
        const run = await runStack({ ...multiHostConfig, pipelineHost: "trainer" }, simulatedProviders, {
            secretKeys: multiHostSecretKeys,
        });
        assert.ok(isSecretInput(resourceNamed(run, "command:local:Command", "pipeline-run").wire?.inputs.environment));
        assert.ok(
            isSecretInput(
                resourceNamed(run, "command:local:Command", "model-service-container").wire?.inputs.environment,
            ),
        );
        for (const output of [
            "pipelineMetrics",
            "validationAccuracy",
            "testAccuracy",
            "gatePassed",
            "promoted",
            "champion",
            "predictionUrl",
            "servedModel",
        ]) {
            assert.equal(run.secretOutputs.has(output), false, output);
        }
    });

    // The TLS key is among the pipeline's inputs: the service's command gets their digest, known in a preview too.
    it("gives the service's command the digest of the pipeline's inputs, the key among them, the same in a preview", async () => {
        const config = { ...multiHostConfig, pipelineHost: "trainer" };
        const up = await runStack(config, simulatedProviders, { secretKeys: multiHostSecretKeys });
        const pipelineRun = resourceNamed(up, "command:local:Command", "pipeline-run");
        const service = resourceNamed(up, "command:local:Command", "model-service-container");
        assert.equal(
            revealed(service.inputs.environment).PIPELINE_RUN_INPUTS,
            sha256OfCommandInputs(revealed(pipelineRun.inputs.environment), pipelineRun.inputs.triggers),
        );
        const preview = await runStack(config, simulatedProviders, { secretKeys: multiHostSecretKeys, preview: true });
        assert.deepEqual(
            resourceNamed(preview, "command:local:Command", "model-service-container").wire?.inputs,
            service.wire?.inputs,
        );
    });
});

describe("a missing TLS material", () => {
    it("is refused before anything is created, naming the host and the key to set", async () => {
        await assert.rejects(
            runStack({ ...multiHostConfig, dockerTls: JSON.stringify({}) }, simulatedProviders, {
                secretKeys: multiHostSecretKeys,
            }),
            (error: Error) => {
                assert.match(
                    error.message,
                    /^invalid config adult-mlops:dockerTls\.trainer = "\(secret\)": expected PEM ca, cert and key for the TCP engine of build host trainer \(missing or not PEM: ca, cert, key\)/,
                );
                return true;
            },
        );
    });
});
