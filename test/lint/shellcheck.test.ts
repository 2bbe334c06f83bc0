import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, test } from "node:test";
import { removeJobLeftoversScript } from "../../components/jenkins";
import { removeImageScript } from "../../components/localImage";
import { repoRoot } from "../support/paths";

function shellcheck(args: string[], input?: string) {
    const result = spawnSync("shellcheck", args, { encoding: "utf8", input });
    assert.equal(result.error, undefined, "shellcheck must be installed (.ci/run installs it)");
    return result;
}

describe("shellcheck", () => {
    test("finds nothing in any shell script of the project", () => {
        // Untracked scripts too (not ignored ones): a new script is checked before its first commit.
        const scripts = execFileSync(
            "git",
            ["ls-files", "--cached", "--others", "--exclude-standard", "*.sh", "ml/bench/run.sh"],
            { cwd: repoRoot, encoding: "utf8" },
        )
            .trim()
            .split("\n");
        // Catches the list going empty (a moved folder) and the lint silently checking nothing.
        assert.ok(
            scripts.some((script) => script.startsWith("jenkins/jobs/")) &&
                scripts.some((script) => script.startsWith("scripts/")),
            scripts.join(" "),
        );
        const result = shellcheck(scripts.map((script) => path.join(repoRoot, script)));
        assert.equal(result.status, 0, result.stdout);
    });

    test("finds nothing in the scripts pulumi destroy runs (each under /bin/sh)", () => {
        for (const script of [removeImageScript, removeJobLeftoversScript]) {
            const result = shellcheck(["--shell=sh", "-"], script);
            assert.equal(result.status, 0, result.stdout);
        }
    });
});
