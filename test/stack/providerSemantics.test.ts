/**
 * What the real engine and providers do with this program's inputs, which this machine cannot run
 * (the Go proxy serves the Pulumi CLI but not the language host or any provider: tools/pulumi-toolchain/): one test per finding, each citing the source it encodes, so that a change that
 * brings a finding back fails here. The Jenkins side is in test/jenkins/pluginSemantics.test.ts.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { formatGoDuration, parseGoDuration } from "./support/goDuration";
import { simulatedProviders } from "./support/simulatedProviders";
import {
    containsSecretInput,
    containsUnknownInput,
    isSecretInput,
    RecordedResource,
    resourceNamed,
    resourcesOfType,
    runStack,
    StackRun,
} from "./support/stackHarness";
import {
    configuredAdminPassword,
    configuredGitHubToken,
    configuredTlsKey,
    gitHubConfig,
    gitHubSecretKeys,
    localConfig,
    multiHostConfig,
    multiHostSecretKeys,
} from "./support/stackModes";

const modes: Array<[string, Record<string, string>, string[]]> = [
    ["local mode", localConfig, []],
    ["GitHub mode", gitHubConfig, gitHubSecretKeys],
    ["three build hosts, one with TLS", multiHostConfig, multiHostSecretKeys],
];

/** Every secret value of a run: the configured ones and what the providers generate (passwords, private keys). */
function secretValues(run: StackRun): string[] {
    const generated = run.resources.flatMap((resource) => {
        const outputs = simulatedProviders(resource);
        return [outputs.result, outputs.privateKeyOpenssh].filter(
            (value): value is string => typeof value === "string",
        );
    });
    return [configuredAdminPassword, configuredGitHubToken, configuredTlsKey, ...generated];
}

/** Top-level inputs as the engine gets them, with their resource's name. */
function topLevelInputs(run: StackRun): Array<{ where: string; value: unknown }> {
    return run.resources.flatMap((resource: RecordedResource) => {
        assert.ok(resource.wire, `${resource.type} ${resource.name} was registered`);
        return Object.entries(resource.wire.inputs).map(([key, value]) => ({
            where: `${resource.type} ${resource.name}: ${key}`,
            value,
        }));
    });
}

for (const [mode, config, secretKeys] of modes) {
    describe(`secrets in state (${mode})`, () => {
        let run: StackRun;
        before(async () => {
            run = await runStack(config, simulatedProviders, { secretKeys });
        });

        // Bridged providers keep a resource property secret in state only when the input of that name is
        // secret as a whole: a secret nested in a list or object comes back plain (pulumi/pulumi-terraform-bridge
        // issue 1028 "User-provided secret bits are not preserved through resource properties"), and
        // additionalSecretOutputs names top-level properties only (pulumi/pulumi issue 3144). The docker
        // provider marks no upload field Sensitive (pulumi/pulumi-docker provider/cmd/pulumi-resource-docker/
        // schema.json, type docker:index/ContainerUpload:ContainerUpload at line 849: no "secret": true).
        // The github provider marks the webhook's configuration.secret and configuration.url Sensitive
        // (pulumi/pulumi-github v6.15.0, provider/cmd/pulumi-resource-github/schema.json lines 2106-2114,
        // type RepositoryWebhookConfiguration), nested fields the engine does not see: the program makes
        // the whole configuration secret instead, so no input needs an exception here.
        it("every input that carries a secret anywhere inside it is secret at its top level", () => {
            const nestedOnly = topLevelInputs(run)
                .filter(({ value }) => !isSecretInput(value) && containsSecretInput(value))
                .map(({ where }) => where);
            assert.deepEqual(nestedOnly, []);
        });

        it("no secret value sits in an input that is not secret", () => {
            const secrets = secretValues(run);
            const leaks = topLevelInputs(run)
                .filter(({ value }) => !isSecretInput(value))
                .filter(({ value }) =>
                    secrets.some((secret) => JSON.stringify(value).includes(JSON.stringify(secret).slice(1, -1))),
                )
                .map(({ where }) => where);
            assert.deepEqual(leaks, []);
        });
    });
}

describe("values in the form the docker provider reads back", () => {
    // Go's own examples of time.Duration.String() (go/src/time/time_test.go, durationTests): the
    // helper below must print exactly these.
    it("the Go duration helper prints what Go prints", () => {
        const goExamples: Array<[string, number]> = [
            ["0s", 0],
            ["1ns", 1],
            ["1.1µs", 1100],
            ["2.2ms", 2_200_000],
            ["3.3s", 3_300_000_000],
            ["4m5s", 245e9],
            ["4m5.001s", 245_001_000_000],
            ["5h6m7.001s", 18_367_001_000_000],
            ["8m0.000000001s", 480e9 + 1],
        ];
        for (const [text, nanoseconds] of goExamples) {
            assert.equal(formatGoDuration(nanoseconds), text);
            assert.equal(parseGoDuration(text), nanoseconds);
        }
        assert.equal(formatGoDuration(parseGoDuration("3m") ?? -1), "3m0s");
    });

    // kreuzwerker/terraform-provider-docker v4.5.0 (commit 5074970c, the upstream of pulumi-docker v5),
    // internal/provider/resource_docker_container_funcs.go lines 964-967: the health check's interval,
    // timeout, start_period and start_interval are read back with time.Duration.String(); any other
    // spelling ("3m" for "3m0s") is a difference on every refresh and `pulumi up`.
    it("every duration input is written as Go prints it", async () => {
        const run = await runStack(gitHubConfig, simulatedProviders, { secretKeys: gitHubSecretKeys });
        const durations: string[] = [];
        const collect = (value: unknown): void => {
            if (typeof value === "string" && /^\d/.test(value) && parseGoDuration(value) !== undefined) {
                durations.push(value);
            } else if (typeof value === "object" && value !== null) {
                Object.values(value).forEach(collect);
            }
        };
        // Only the docker provider's own inputs: a command's environment (MODEL_MEMORY_LIMIT=512m) is no duration.
        run.resources
            .filter((resource) => resource.type.startsWith("docker:"))
            .forEach((resource) => collect(resource.inputs));
        const controller = resourceNamed(run, "docker:index/container:Container", "jenkins-controller");
        for (const field of ["interval", "timeout", "startPeriod"]) {
            assert.ok(durations.includes(controller.inputs.healthcheck[field]), `the health check's ${field} is seen`);
        }
        for (const duration of durations) {
            assert.equal(duration, formatGoDuration(parseGoDuration(duration) ?? -1));
        }
    });
});

describe("what the docker provider reports for an image it built and did not push", () => {
    // pulumi/pulumi-docker provider/image.go (v5, the snapshot behind @pulumi/docker 5.2): the imageName
    // output is the input name (line 277), and with skipPush the repoDigest output is the local image ID
    // from `docker inspect` (lines 287-294), not a registry digest. LocalImage removes the image by that
    // ID and its own tag by that name, and containers run the ID so that a rebuild replaces them.
    it("the removal command gets the image's ID and tag from the provider's outputs", async () => {
        const run = await runStack(localConfig, simulatedProviders);
        for (const name of ["model-image", "jenkins-controller-image", "jenkins-agent-image"]) {
            const image = resourceNamed(run, "docker:index/image:Image", name);
            assert.equal(image.inputs.skipPush, true, name);
            const removal = resourceNamed(run, "command:local:Command", `${name}-removal`);
            assert.equal(removal.inputs.environment.IMAGE_ID, simulatedProviders(image).repoDigest, name);
            assert.equal(removal.inputs.environment.IMAGE_NAME, image.inputs.imageName, name);
            assert.ok(
                removal.wire?.dependencies.includes(image.wire?.urn ?? ""),
                `${name}: the removal depends on the image it removes`,
            );
        }
    });
});

describe("pulumi up and a Jenkins that does not come up", () => {
    // resource_docker_container_funcs.go lines 590-625 (same commit): with wait, create polls the health
    // status every second until "healthy" or wait_timeout seconds (default 60, resource_docker_container.go
    // line 86), and fails with "container failed to be in healthy state" (line 40). Without wait, create
    // returns as soon as the container started, healthy or not.
    it("waits for the controller's health check, for longer than Docker may report it starting", async () => {
        const run = await runStack(localConfig, simulatedProviders);
        const { inputs } = resourceNamed(run, "docker:index/container:Container", "jenkins-controller");
        assert.equal(inputs.wait, true);
        const seconds = (duration: string) => (parseGoDuration(duration) ?? Number.NaN) / 1e9;
        const { startPeriod, interval, retries } = inputs.healthcheck;
        const lastVerdict = seconds(startPeriod) + seconds(interval) * retries;
        assert.ok(
            inputs.waitTimeout >= lastVerdict,
            `waitTimeout ${inputs.waitTimeout} s covers the start period and the retries (${lastVerdict} s)`,
        );
    });
});

describe("destroy order", () => {
    // "The dependsOn option ensures that resource creation, update, and deletion operations are executed in
    // the correct order" (pulumi.com/docs/iac/concepts/resources/options/dependson): a resource is deleted
    // before the resources it depends on.
    it("removes the jobs' leftovers after both Jenkins containers and before the data volume they mount", async () => {
        const run = await runStack({}, simulatedProviders);
        const leftovers = resourceNamed(run, "command:local:Command", "jenkins-job-leftovers");
        const dependsOnLeftovers = (name: string) =>
            resourceNamed(run, "docker:index/container:Container", name).wire?.dependencies.includes(
                leftovers.wire?.urn ?? "",
            );
        assert.ok(dependsOnLeftovers("jenkins-controller"), "the controller goes first");
        assert.ok(dependsOnLeftovers("jenkins-agent"), "the agent goes first");
        const dataVolume = resourceNamed(run, "docker:index/volume:Volume", "pipeline-data");
        assert.ok(leftovers.wire?.dependencies.includes(dataVolume.wire?.urn ?? ""), "the volume goes last");
    });
});

describe("previews", () => {
    // pulumi/pulumi-command v1.2.1 provider/pkg/provider/local/commandController.go lines 73-78: in a
    // preview an update runs nothing and returns the previous outputs (olds.BaseOutputs), so stdout is the
    // last run's; lines 47-50: a create in a preview runs nothing either.
    it("show the pipeline's figures and what the prediction service serves as not known until the update runs them", async () => {
        const run = await runStack(localConfig, simulatedProviders, { preview: true });
        for (const output of [
            "validationAccuracy",
            "testAccuracy",
            "gatePassed",
            "pipelineMetrics",
            "predictionUrl",
            "servedModel",
        ]) {
            assert.ok(run.unknownOutputs.has(output), output);
        }
        const up = await runStack(localConfig, simulatedProviders);
        assert.equal(up.unknownOutputs.has("validationAccuracy"), false, "an update reports the figures");
    });

    // The engine diffs a resource's inputs in a preview against those the last update stored: an input that
    // is unknown (a value derived from a command's stdout, which a preview does not run) or different shows
    // the resource as an update. Pulumi's own integration tests run a preview right after `pulumi up` and
    // fail on any change. Catches the prediction service's command fed from the pipeline's figures.
    for (const [mode, config, secretKeys] of [
        ...modes,
        ["the defaults (a URL source)", {}, []] as (typeof modes)[number],
    ]) {
        it(`${mode}: propose no change right after an update, the prediction service's command included`, async () => {
            const up = await runStack(config, simulatedProviders, { secretKeys });
            const preview = await runStack(config, simulatedProviders, { secretKeys, preview: true });
            const inputsOf = (run: StackRun, resource: RecordedResource) =>
                resourceNamed(run, resource.type, resource.name).wire?.inputs;
            const service = resourceNamed(preview, "command:local:Command", "model-service-container");
            assert.equal(
                containsUnknownInput(service.wire?.inputs),
                false,
                `nothing unknown in its inputs: ${JSON.stringify(service.wire?.inputs.environment)}`,
            );
            assert.deepEqual(inputsOf(preview, service), inputsOf(up, service));
            assert.deepEqual(
                preview.resources.map((r) => `${r.type} ${r.name}`).sort(),
                up.resources.map((r) => `${r.type} ${r.name}`).sort(),
            );
            for (const resource of preview.resources) {
                assert.deepEqual(
                    inputsOf(preview, resource),
                    inputsOf(up, resource),
                    `${resource.type} ${resource.name}`,
                );
            }
        });
    }
});

describe("stopping the containers that hold state", () => {
    // kreuzwerker/terraform-provider-docker v0.0.0-20260916201441-96d331c98ff4 (the Go module proxy's
    // newest), internal/provider/resource_docker_container_funcs.go lines 1146-1153
    // (resourceDockerContainerDelete): the container is stopped with destroy_grace_seconds as the
    // timeout, and with 0 when it is unset, so Docker sends SIGKILL right after SIGTERM. A replacement
    // deletes the old container the same way, so without it every admin-password change kills Jenkins.
    for (const [mode, config, secretKeys] of modes) {
        it(`${mode}: the controller and every agent get a grace period to stop on SIGTERM`, async () => {
            const run = await runStack(config, simulatedProviders, { secretKeys });
            const containers = resourcesOfType(run, "docker:index/container:Container");
            assert.ok(containers.length >= 2, "the controller and at least one agent");
            for (const container of containers) {
                assert.ok(
                    container.inputs.destroyGraceSeconds >= 10,
                    `${container.name}: destroyGraceSeconds ${container.inputs.destroyGraceSeconds}`,
                );
            }
        });
    }
});

describe("the platform each image is built for", () => {
    // @pulumi/docker 5.2 types/input.d.ts, DockerBuild.platform: "Set the target platform for the build.
    // Defaults to `GOOS/GOARCH`", the machine running the provider, not the engine: a build host of
    // another architecture would get images it cannot run.
    it("every image is built for its build host's platform", async () => {
        const buildHosts = JSON.parse(multiHostConfig.buildHosts).map((url: string) =>
            url.includes("gpu-box") ? `${url}&platform=linux/arm64` : url,
        );
        const config = { ...multiHostConfig, buildHosts: JSON.stringify(buildHosts) };
        const run = await runStack(config, simulatedProviders, { secretKeys: multiHostSecretKeys });
        const images = resourcesOfType(run, "docker:index/image:Image");
        assert.ok(images.length >= 6, "model, controller and agent images across the hosts");
        for (const image of images) {
            assert.match(String(image.inputs.build.platform), /^linux\/(amd64|arm64)$/, image.name);
        }
        const armHost = images.filter((image) => image.name.includes("gpu-box"));
        assert.ok(armHost.length >= 2, "the arm host's images");
        armHost.forEach((image) => assert.equal(image.inputs.build.platform, "linux/arm64", image.name));
    });
});
