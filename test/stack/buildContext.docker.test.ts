/** The .dockerignore reading behind contextDigest, checked against what the Docker engine really receives. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import { contextFiles } from "../support/buildContext";
import { checkoutId, repoRoot } from "../support/paths";

/** The files `docker build` sends for a context: copied whole into an empty image, then listed from its export. */
function filesDockerReceives(context: string): string[] {
    const tag = `adult-mlops-context-probe:${checkoutId}-${path.basename(context).toLowerCase()}`;
    execFileSync("docker", ["build", "--quiet", "--tag", tag, "--file", "-", context], {
        input: "FROM scratch\nCOPY . /\n",
        stdio: ["pipe", "ignore", "inherit"],
    });
    const container = execFileSync("docker", ["create", tag, "none"], { encoding: "utf8" }).trim();
    try {
        const listing = execFileSync("sh", ["-c", `docker export ${container} | tar -t`], {
            encoding: "utf8",
            maxBuffer: 16 * 1024 * 1024,
        });
        // The engine adds its own mount points and /etc files to every container's file system.
        const engineMade = /^(\.dockerenv|dev\/|proc\/|sys\/|etc\/(hostname|hosts|resolv\.conf|mtab))/;
        return listing
            .split("\n")
            .filter((entry) => entry !== "" && !entry.endsWith("/") && !engineMade.test(entry))
            .sort();
    } finally {
        execFileSync("docker", ["rm", container], { stdio: "ignore" });
        execFileSync("docker", ["image", "rm", tag], { stdio: "ignore" });
    }
}

describe("each image's context, as the Docker engine receives it", () => {
    for (const context of ["ml", "jenkins", "jenkins/agent"]) {
        it(`${context}/: exactly the files contextFiles lists`, () => {
            assert.deepEqual(
                filesDockerReceives(path.join(repoRoot, context)),
                [...contextFiles(path.join(repoRoot, context))].sort(),
            );
        });
    }
});
