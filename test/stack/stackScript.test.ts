import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { readDeclarations } from "../../config/declaredConfig";
import { repoRoot } from "../support/paths";

/** A PATH holding only what the script needs besides the tools under test, plus the given stand-ins. */
function pathWith(standIns: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-sh-path-"));
    created.push(dir);
    // node: the script reads the names the stack's settings give with the program's own code (config/stackSettings.ts).
    for (const tool of ["dirname", "mkdir", "cat", "node"]) {
        fs.symlinkSync(spawnSync("which", [tool], { encoding: "utf8" }).stdout.trim(), path.join(dir, tool));
    }
    for (const [tool, script] of Object.entries(standIns)) {
        fs.writeFileSync(path.join(dir, tool), `#!/bin/bash\n${script}\n`, { mode: 0o755 });
    }
    return dir;
}
const created: string[] = [];

function runStackScript(args: string[], standIns: Record<string, string>, env: Record<string, string> = {}) {
    const passphraseless = Object.fromEntries(
        Object.entries(process.env).filter(([key]) => !key.startsWith("PULUMI_CONFIG_PASSPHRASE")),
    );
    return spawnSync("/bin/bash", [path.join(repoRoot, "scripts", "stack.sh"), ...args], {
        env: { ...passphraseless, PATH: pathWith(standIns), ...env },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    });
}

describe("scripts/stack.sh (npm run up) explains a missing prerequisite instead of failing obscurely", () => {
    after(() => created.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
    const dockerUp = "exit 0";

    it("says Docker is missing", () => {
        const result = runStackScript(["up"], {});
        assert.equal(result.status, 10);
        assert.match(result.stderr, /^adult-mlops: the docker CLI is not installed; install Docker Engine/);
    });

    it("says the Docker engine is not running", () => {
        const result = runStackScript(["up"], { docker: "exit 1" });
        assert.equal(result.status, 11);
        assert.match(result.stderr, /the Docker engine is not reachable/);
    });

    it("says the Pulumi CLI is missing", () => {
        const result = runStackScript(["up"], { docker: dockerUp });
        assert.equal(result.status, 12);
        assert.match(result.stderr, /the Pulumi CLI is not installed/);
    });

    it("asks for the passphrase when there is no terminal to prompt on", () => {
        const result = runStackScript(["up"], { docker: dockerUp, pulumi: "echo pulumi should not run >&2; exit 99" });
        assert.equal(result.status, 13);
        assert.match(result.stderr, /set PULUMI_CONFIG_PASSPHRASE/);
    });

    it("refuses an unknown action", () => {
        const result = runStackScript(["deploy"], {});
        assert.equal(result.status, 64);
        assert.match(result.stderr, /usage: scripts\/stack\.sh up\|preview\|destroy\|output/);
    });

    it("runs pulumi on the dev stack with a local backend, adding --yes where no terminal can confirm, and says so", () => {
        const log = path.join(pathWith({}), "pulumi.log");
        const result = runStackScript(
            ["destroy"],
            { docker: dockerUp, pulumi: `echo "$PULUMI_BACKEND_URL $*" >> ${log}` },
            { PULUMI_CONFIG_PASSPHRASE: "" },
        );
        assert.equal(result.status, 0, result.stderr);
        assert.deepEqual(fs.readFileSync(log, "utf8").trim().split("\n"), [
            `file://${repoRoot}/.pulumi-state stack select --create dev`,
            `file://${repoRoot}/.pulumi-state destroy --yes`,
        ]);
        assert.match(result.stdout, /no terminal to confirm on, so running: pulumi destroy --yes/);
    });

    it("does not add a second --yes", () => {
        const log = path.join(pathWith({}), "pulumi.log");
        const result = runStackScript(
            ["destroy", "--yes"],
            { docker: dockerUp, pulumi: `echo "$*" >> ${log}` },
            { PULUMI_CONFIG_PASSPHRASE: "" },
        );
        assert.equal(result.status, 0, result.stderr);
        assert.equal(fs.readFileSync(log, "utf8").trim().split("\n")[1], "destroy --yes");
    });

    it("names the container to read when pulumi up failed on a Jenkins that never became healthy", () => {
        const docker = 'if [ "$1" = inspect ]; then echo unhealthy; fi; exit 0';
        const pulumi = 'if [ "$1" = up ]; then echo "error: container failed to be in healthy state" >&2; exit 255; fi';
        const result = runStackScript(["up"], { docker, pulumi }, { PULUMI_CONFIG_PASSPHRASE: "" });
        assert.equal(result.status, 14);
        assert.match(
            result.stderr,
            /adult-mlops: Jenkins \(adult-mlops-dev-jenkins\) is unhealthy, not healthy; read why with: docker logs adult-mlops-dev-jenkins/,
        );
    });

    // Catches the script looking for another base image than the stack builds from (a default of its own).
    it("makes sure of the base image the stack's settings name: Pulumi.yaml's default unless one is configured", () => {
        const declared = readDeclarations(repoRoot).baseImage.default;
        for (const [configured, expected] of [
            ["", declared],
            ["registry.example.com/base:1", "registry.example.com/base:1"],
        ]) {
            const log = path.join(pathWith({}), "docker.log");
            const pulumi = `if [ "$1 $2 $3" = "config get baseImage" ]; then [ -n "${configured}" ] && echo "${configured}"; [ -n "${configured}" ]; fi`;
            const result = runStackScript(
                ["preview"],
                { docker: `echo "$*" >> ${log}`, pulumi },
                { PULUMI_CONFIG_PASSPHRASE: "" },
            );
            assert.equal(result.status, 0, result.stderr);
            assert.deepEqual(
                fs.readFileSync(log, "utf8").trim().split("\n"),
                ["info", `image inspect ${expected}`],
                configured || "unset",
            );
        }
    });

    it("refuses a configured base image that is no image reference, as pulumi up would, before running Pulumi", () => {
        const pulumi =
            'if [ "$1 $2 $3" = "config get baseImage" ]; then echo "Not An Image"; else echo "pulumi $1 should not run" >&2; exit 99; fi';
        const result = runStackScript(["up"], { docker: "exit 0", pulumi }, { PULUMI_CONFIG_PASSPHRASE: "" });
        assert.equal(result.status, 15);
        assert.match(
            result.stderr,
            /^adult-mlops: invalid config adult-mlops:baseImage = "Not An Image": expected a Docker image reference/,
        );
    });

    it("passes on pulumi's own status when the controller is healthy or absent", () => {
        const result = runStackScript(
            ["up"],
            { docker: "exit 0", pulumi: 'if [ "$1" = up ]; then exit 255; fi' },
            { PULUMI_CONFIG_PASSPHRASE: "" },
        );
        assert.equal(result.status, 255);
    });
});
