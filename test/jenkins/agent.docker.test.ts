import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import {
    agentImageTag,
    buildAgentImage,
    docker,
    dockerSocket,
    makeSshKey,
    removeContainer,
    startAgent,
    uniqueName,
} from "./agent";

describe("the build agent image", () => {
    const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-keys-"));
    const agent = uniqueName("adult-mlops-agent-test");
    /** A known_hosts line for the agent on 127.0.0.1 with the given public key. */
    const knownHost = (publicKey: string) => `127.0.0.1 ${publicKey.split(" ").slice(0, 2).join(" ")}\n`;
    let controllerKey = "";

    before(() => {
        buildAgentImage();
        controllerKey = makeSshKey(keysDir, "controller");
        fs.writeFileSync(path.join(keysDir, "known_hosts"), knownHost(makeSshKey(keysDir, "host")));
        startAgent(agent, [
            "--env",
            `JENKINS_AGENT_SSH_PUBKEY=${controllerKey}`,
            "--volume",
            `${dockerSocket}:${dockerSocket}`,
            "--volume",
            `${path.join(keysDir, "host")}:/run/secrets/agent-ssh-host-key:ro`,
        ]);
    });
    after(() => {
        removeContainer(agent);
        fs.rmSync(keysDir, { recursive: true, force: true });
    });

    /** ssh from a client sharing the agent's network namespace: traffic stays on its 127.0.0.1. */
    function ssh(options: string[], command: string, knownHosts = "known_hosts") {
        return docker([
            "run",
            "--rm",
            "--network",
            `container:${agent}`,
            "--volume",
            `${keysDir}:/keys:ro`,
            "--entrypoint",
            "ssh",
            agentImageTag,
            "-o",
            "BatchMode=yes",
            "-o",
            `UserKnownHostsFile=/keys/${knownHosts}`,
            "-o",
            "StrictHostKeyChecking=yes",
            ...options,
            "jenkins@127.0.0.1",
            command,
        ]);
    }

    test("carries JRE 21 (the controller's JDK), git and the Docker CLI, and no sudo", () => {
        const result = docker([
            "run",
            "--rm",
            "--entrypoint",
            "bash",
            agentImageTag,
            "-c",
            "java -version 2>&1; git --version; docker --version; command -v sudo || echo no-sudo",
        ]);
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /version "21\./);
        assert.match(result.stdout, /git version/);
        assert.match(result.stdout, /Docker version/);
        assert.match(result.stdout, /no-sudo/);
    });

    // Docker Engine 29 refuses older clients: "client version 1.41 is too old. Minimum supported API version
    // is 1.44" (docker/docs content/reference/api/engine/_index.md at v29.0.4: "API version: 1.52 (minimum
    // version 1.44)"; reported in containrrr/watchtower issue 2124). This engine is older, so the refusal
    // cannot be seen here: the check is on the client's own highest API version.
    test("its Docker CLI speaks API 1.44 or newer, which Docker Engine 29 requires", () => {
        const result = docker([
            "run",
            "--rm",
            "--entrypoint",
            "docker",
            agentImageTag,
            "version",
            "--format",
            "{{.Client.APIVersion}}",
        ]);
        const [major, minor] = result.stdout.trim().split(".").map(Number);
        assert.ok(major > 1 || (major === 1 && minor >= 44), `client API ${result.stdout.trim()}`);
    });

    test("the controller's key logs in as jenkins, over the pinned host key, and jenkins can use the mounted Docker socket", () => {
        const result = ssh(["-i", "/keys/controller"], "id -un; docker version --format '{{.Server.Version}}'");
        assert.equal(result.status, 0, result.stderr);
        const [user, serverVersion] = result.stdout.trim().split("\n");
        assert.equal(user, "jenkins");
        assert.ok(serverVersion.length > 0);
    });

    test("no password login: the server offers public keys only", () => {
        const result = ssh(
            ["-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "NumberOfPasswordPrompts=0"],
            "true",
        );
        assert.notEqual(result.status, 0);
        assert.match(result.stderr, /Permission denied \(publickey\)/);
    });

    test("a host key other than the pinned one is refused by the client", () => {
        fs.writeFileSync(path.join(keysDir, "known_hosts_other"), knownHost(controllerKey));
        const result = ssh(["-i", "/keys/controller"], "true", "known_hosts_other");
        assert.notEqual(result.status, 0);
        assert.match(result.stderr, /HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    });

    test("without the controller's public key the entrypoint stops with exit 2", () => {
        const result = docker(["run", "--rm", agentImageTag]);
        assert.equal(result.status, 2);
        assert.match(result.stderr, /JENKINS_AGENT_SSH_PUBKEY/);
    });
});
