import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { SecondEngine, startSecondEngine } from "./secondEngine";

/** The data root the engine answering with this environment reports (the proof of which engine answered). */
function dockerRootDir(env: NodeJS.ProcessEnv) {
    return spawnSync("docker", ["info", "--format", "{{.DockerRootDir}}"], {
        encoding: "utf8",
        env: { ...process.env, ...env },
        timeout: 60_000,
    });
}

/** A DOCKER_CERT_PATH folder holding `files` (ca.pem, cert.pem, key.pem: the names the docker CLI reads). */
function certPath(parent: string, name: string, files: Record<string, string>): string {
    const dir = path.join(parent, name);
    fs.mkdirSync(dir, { mode: 0o700 });
    for (const [file, contents] of Object.entries(files))
        fs.writeFileSync(path.join(dir, file), contents, { mode: 0o600 });
    return dir;
}

const linkExists = (name: string) => spawnSync("ip", ["link", "show", name], { stdio: "ignore" }).status === 0;

describe("a second Docker engine with TLS (started and removed by this test)", { timeout: 5 * 60_000 }, () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "adult-second-engine-"));
    const bridge = `setest-${process.pid}`;
    let engine: SecondEngine;

    before(async () => {
        assert.ok(linkExists("docker0"), "the host's docker0 bridge exists before the test");
        engine = await startSecondEngine({ name: "setest", subnet: "10.250.98.1/24", tls: true });
    });
    after(async () => {
        await engine?.remove();
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    test("answers on its unix socket, with its own data root", () => {
        const info = dockerRootDir({ DOCKER_HOST: engine.socketUrl });
        assert.equal(info.status, 0, info.stderr);
        assert.equal(info.stdout.trim(), path.join(engine.root, "data"));
        assert.equal(engine.socketUrl, `unix://${engine.socketPath}`);
        assert.ok(fs.statSync(engine.socketPath).isSocket());
    });

    test("answers over TLS to a client with its client certificate", () => {
        const { ca, cert, key } = engine.clientTls!;
        const certs = certPath(scratch, "client", { "ca.pem": ca, "cert.pem": cert, "key.pem": key });
        const info = dockerRootDir({ DOCKER_HOST: engine.tlsUrl, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: certs });
        assert.match(engine.tlsUrl!, /^tcp:\/\/127\.0\.0\.1:\d+$/);
        assert.equal(info.status, 0, info.stderr);
        assert.equal(info.stdout.trim(), path.join(engine.root, "data"));
    });

    test("refuses a TLS client without a client certificate", () => {
        const certs = certPath(scratch, "no-client-cert", { "ca.pem": engine.clientTls!.ca });
        const info = dockerRootDir({ DOCKER_HOST: engine.tlsUrl, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: certs });
        assert.notEqual(info.status, 0, info.stdout);
        assert.match(info.stderr, /tls: (bad certificate|certificate required)/);
    });

    test("remove() deletes its bridge and root; the host's docker0 is still there", async () => {
        assert.ok(linkExists(bridge), `${bridge} exists while the engine runs`);
        await engine.remove();
        assert.ok(!linkExists(bridge), `${bridge} is gone`);
        assert.ok(!fs.existsSync(engine.root), `${engine.root} is gone`);
        assert.ok(linkExists("docker0"), "the host's docker0 bridge still exists");
    });
});
