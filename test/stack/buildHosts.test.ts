import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BuildHostSettings, parseBuildHosts, platformOfThisMachine } from "../../config/buildHosts";
import { DataSource } from "../../config/validators";

const url: DataSource = { kind: "url", url: "https://archive.ics.uci.edu/static/public/2/adult.zip" };
const gitHub: { dataSource: DataSource; gitHubMode: boolean } = { dataSource: url, gitHubMode: true };
const parse = (hosts: string[], pipelineHost = "", context = gitHub): BuildHostSettings =>
    parseBuildHosts(JSON.stringify(hosts), pipelineHost, context);
const platform = platformOfThisMachine();
const refusal = (key: string) => new RegExp(`invalid config adult-mlops:${key.replace(/[[\]]/g, "\\$&")} = `);

describe("buildHosts and pipelineHost", () => {
    // Catches a default that creates an explicit provider (which would re-create every resource of an existing stack).
    it("unset, or the local socket alone, is the local engine through Docker's defaults", () => {
        for (const hosts of [parseBuildHosts("[]", "", gitHub), parse(["unix:///var/run/docker.sock"])]) {
            assert.deepEqual(hosts.hosts, [
                {
                    name: "local",
                    endpoint: { kind: "default" },
                    socketPath: "/var/run/docker.sock",
                    agent: undefined,
                    platform,
                },
            ]);
            assert.equal(hosts.pipelineHost, hosts.hosts[0]);
        }
    });

    it("takes ssh and TLS hosts with their agents' addresses; names default to the host's first label", () => {
        const { hosts, pipelineHost } = parse(
            [
                "unix:///var/run/docker.sock",
                "ssh://ci@gpu-box.lab.example:2200?agent=10.0.0.12",
                "tcp://trainer.lab.example:2376?agent=10.0.0.13:2022&socket=/run/docker.sock",
            ],
            "gpu-box",
        );
        assert.deepEqual(hosts.slice(1), [
            {
                name: "gpu-box",
                endpoint: { kind: "ssh", url: "ssh://ci@gpu-box.lab.example:2200" },
                socketPath: "/var/run/docker.sock",
                agent: { address: "10.0.0.12", port: 2222 },
                platform,
            },
            {
                name: "trainer",
                endpoint: { kind: "tcp", url: "tcp://trainer.lab.example:2376" },
                socketPath: "/run/docker.sock",
                agent: { address: "10.0.0.13", port: 2022 },
                platform,
            },
        ]);
        assert.equal(pipelineHost.name, "gpu-box");
    });

    it("a unix socket other than the local default is its own engine, named by name=, its socket mounted by its agent", () => {
        const { hosts } = parse(
            ["unix:///var/run/docker.sock", "unix:///tmp/engine-2/docker.sock?name=second&agent=127.0.0.1:2201"],
            "",
            { dataSource: { kind: "directory", path: "/data" }, gitHubMode: false },
        );
        assert.deepEqual(hosts[1], {
            name: "second",
            endpoint: { kind: "unix", url: "unix:///tmp/engine-2/docker.sock" },
            socketPath: "/tmp/engine-2/docker.sock",
            agent: { address: "127.0.0.1", port: 2201 },
            platform,
        });
    });

    // Catches images built for the machine running Pulumi on a host of another architecture.
    it("builds for this machine's platform unless platform= names the engine's", () => {
        assert.match(platform, /^linux\/(amd64|arm64|arm\/v7|386|ppc64le|riscv64|s390x)$/);
        const { hosts } = parse([
            "unix:///var/run/docker.sock",
            "ssh://ci@pi.lab.example?agent=10.0.0.5&platform=linux/arm/v7",
        ]);
        assert.deepEqual(
            hosts.map((host) => host.platform),
            [platform, "linux/arm/v7"],
        );
    });

    // Each refusal names the entry and says what to write instead.
    const refused: Array<[string, string[], RegExp, string?]> = [
        [
            "a host other than the first without agent=",
            ["unix:///var/run/docker.sock", "ssh://ci@gpu"],
            /agent=IP\[:PORT\] must name an IPv4 address/,
        ],
        [
            "an agent published on every interface",
            ["unix:///var/run/docker.sock", "ssh://ci@gpu?agent=0.0.0.0"],
            /not 0\.0\.0\.0/,
        ],
        [
            "agent= on the controller's host",
            ["unix:///var/run/docker.sock?agent=10.0.0.1"],
            /give agent= to the other hosts only/,
        ],
        ["plain http", ["http://gpu:2375"], /http: is none of unix:, ssh:, tcp:/],
        ["tcp without a port", ["unix:///var/run/docker.sock", "tcp://gpu?agent=10.0.0.2"], /tcp:\/\/host:port/],
        [
            "an ssh password in the URL",
            ["unix:///var/run/docker.sock", "ssh://ci:hunter2@gpu?agent=10.0.0.2"],
            /without a password/,
        ],
        ["an unknown option", ["unix:///var/run/docker.sock?nmae=x"], /only name, agent, socket and platform/],
        [
            "a platform that is not an OCI platform",
            ["unix:///var/run/docker.sock", "ssh://ci@gpu?agent=10.0.0.2&platform=arm64"],
            /platform= must be the engine's OCI platform, such as linux\/amd64 or linux\/arm64 \(not "arm64"\)/,
        ],
        [
            "a unix socket without a name",
            ["unix:///var/run/docker.sock", "unix:///tmp/e/docker.sock?agent=127.0.0.1"],
            /name=NAME must give the host a short name/,
        ],
        [
            "a name used twice",
            ["unix:///var/run/docker.sock", "unix:///tmp/e/docker.sock?name=local&agent=127.0.0.1"],
            /"local" is used twice/,
        ],
    ];
    for (const [what, hosts, message] of refused) {
        it(`refuses ${what}`, () => {
            assert.throws(
                () => parse(hosts),
                (error: Error) => {
                    assert.match(error.message, /^invalid config adult-mlops:buildHosts(\[\d\])? = /);
                    assert.match(error.message, message);
                    return true;
                },
            );
        });
    }

    it("names the entry and how to set it with --path", () => {
        assert.throws(
            () => parse(["unix:///var/run/docker.sock", "ssh://ci@gpu"]),
            (error: Error) => {
                assert.match(error.message, refusal("buildHosts[1]"));
                assert.match(error.message, /pulumi config set --path 'buildHosts\[1\]' <value>$/);
                return true;
            },
        );
    });

    // A bind mount names a path on the engine's machine: the project and a data directory exist on this one only.
    it("refuses remote hosts in local mode, and with a data directory", () => {
        const remote = ["unix:///var/run/docker.sock", "ssh://ci@gpu?agent=10.0.0.2"];
        assert.throws(
            () => parse(remote, "", { dataSource: url, gitHubMode: false }),
            /cannot mount this project folder \(set githubRepository/,
        );
        assert.throws(
            () => parse(remote, "", { dataSource: { kind: "directory", path: "/data" }, gitHubMode: true }),
            /cannot mount \/data \(use the archive's URL/,
        );
    });

    it("refuses a pipelineHost that is not a build host, listing them", () => {
        assert.throws(
            () => parse(["unix:///var/run/docker.sock"], "gpu"),
            /adult-mlops:pipelineHost = "gpu": expected the name of one of the build hosts \(local\)/,
        );
    });

    it("refuses a value that is not a list of strings", () => {
        for (const raw of ["unix:///var/run/docker.sock", "[1]", "{}"]) {
            assert.throws(() => parseBuildHosts(raw, "", gitHub), refusal("buildHosts"));
        }
    });
});
