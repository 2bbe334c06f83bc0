import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { DockerHost, dockerEngines } from "../../components/dockerHost";
import { Jenkins } from "../../components/jenkins";
import { parseBuildHosts } from "../../config/buildHosts";
import { withDefaults } from "../../config/declaredConfig";
import { parseStackSettings } from "../../config/stackSettings";
import { jenkinsSettingsOf } from "../../jenkins/settings";
import { repoRoot } from "../support/paths";
import { registrationsSettled } from "./support/stackHarness";

const url = { kind: "url", url: "https://archive.ics.uci.edu/static/public/2/adult.zip" } as const;
const [local, gpuBox, trainer] = parseBuildHosts(
    JSON.stringify([
        "unix:///var/run/docker.sock",
        "ssh://ci@gpu-box.lab.example?agent=10.0.0.12",
        "tcp://trainer.lab.example:2376?agent=10.0.0.13",
    ]),
    "",
    { dataSource: url, gitHubMode: true },
).hosts;

/** The error a component's constructor throws, checked to be Pulumi's own for a resource: it names the resource, as the engine reports it. */
function resourceErrorOf(construct: () => pulumi.Resource, name: string): string {
    try {
        construct();
    } catch (error) {
        assert.ok(pulumi.ResourceError.isInstance(error), `${String(error)} is a pulumi.ResourceError`);
        const { resource, message } = error;
        assert.ok(resource, "the error names its resource");
        assert.equal((resource as unknown as { __name: string }).__name, name);
        return message;
    }
    assert.fail("the constructor threw nothing");
}

describe("a component refuses what it cannot build with Pulumi's own error for that resource", () => {
    before(async () => {
        const mocks: pulumi.runtime.Mocks = {
            newResource: (args: pulumi.runtime.MockResourceArgs) => ({ id: `${args.name}-id`, state: {} }),
            call: () => ({}),
        };
        await pulumi.runtime.setMocks(mocks, "adult-mlops", "test", false);
    });
    // The registrations a refused constructor started end under these mocks, not under the next suite's.
    after(registrationsSettled);

    it("DockerHost, for the default engine", () => {
        assert.match(
            resourceErrorOf(() => new DockerHost("build-host-local", { host: local }), "build-host-local"),
            /build host local is the default engine: use defaultEngine\(\)/,
        );
    });

    it("DockerHost, for a TCP engine without its TLS material", () => {
        assert.match(
            resourceErrorOf(() => new DockerHost("build-host-trainer", { host: trainer }), "build-host-trainer"),
            /build host trainer is reached over TCP and needs its TLS material/,
        );
    });

    // Catches agents rendered for other hosts than those that run them (a chain's label on another engine).
    it("Jenkins, for a configuration whose agents are not the build hosts", () => {
        const settings = parseStackSettings(
            withDefaults(repoRoot, {
                githubRepository: "octocat/adult-mlops",
                jenkinsPublicUrl: "https://jenkins.example.com",
            }),
            { projectDir: repoRoot, stack: "test" },
        );
        const engines = dockerEngines([local, gpuBox], new Map());
        const message = resourceErrorOf(
            () =>
                new Jenkins("jenkins", {
                    configuration: jenkinsSettingsOf(settings),
                    controller: settings.jenkins,
                    agentBaseImage: settings.baseImage,
                    names: settings.names,
                    projectDir: repoRoot,
                    adminPassword: "not-a-secret",
                    buildHosts: engines.map((engine) => ({ engine, outlivesJobLeftovers: [] })),
                }),
            "jenkins",
        );
        assert.match(
            message,
            /the configuration's agents \(local\) are not the build hosts \(local, gpu-box\), in their order/,
        );
    });
});
