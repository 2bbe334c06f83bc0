/**
 * The project file under the real Pulumi CLI (tools/pulumi-toolchain/, or PULUMI_TOOLCHAIN_DIR): what
 * the engine itself makes of Pulumi.yaml, which the mocked suites only read with our own parser.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { CONFIG_KEYS, readDeclarations } from "../../config/declaredConfig";
import { configKey } from "../../config/project";
import { repoRoot } from "../support/paths";
import { ScratchProject, scratchProject, toolchainDir } from "../support/pulumiToolchain";

function succeeded(result: { status: number | null; stderr: string }, what: string): void {
    assert.equal(result.status, 0, `${what} failed: ${result.stderr}`);
}

describe("the real Pulumi CLI and the project file", () => {
    let scratch: ScratchProject;
    before(() => {
        scratch = scratchProject(toolchainDir());
        succeeded(scratch.pulumi(["stack", "init", "engine-test"]), "pulumi stack init");
    });
    after(() => scratch.remove());

    // Catches a Pulumi.yaml the engine reads otherwise than config/declaredConfig.ts (a default of the
    // wrong type, a key declared twice or misspelt): the program's defaults would not be the engine's.
    it("resolves every declared key to the default the program reads", () => {
        const listed = scratch.pulumi(["config", "--json"]);
        succeeded(listed, "pulumi config --json");
        const engine: Record<string, { value: string }> = JSON.parse(listed.stdout);
        const declarations = readDeclarations(repoRoot);
        assert.deepEqual(Object.keys(engine).sort(), CONFIG_KEYS.map(configKey).sort());
        for (const key of CONFIG_KEYS) {
            assert.equal(engine[configKey(key)].value, declarations[key].default, key);
        }
    });

    // Catches a setting declared with a looser type than its values have: the engine refuses a value
    // of the wrong type before the program runs, so nothing is created.
    it("refuses a value of the wrong declared type before running anything", () => {
        succeeded(scratch.pulumi(["config", "set", "jenkinsPort", "eighty"]), "pulumi config set");
        const preview = scratch.pulumi(["preview"]);
        assert.notEqual(preview.status, 0);
        assert.match(preview.stderr + preview.stdout, /configuration key 'jenkinsPort' must be of type 'integer'/);
        succeeded(scratch.pulumi(["config", "rm", "jenkinsPort"]), "pulumi config rm");
    });

    // README: a value set with --secret is kept encrypted in Pulumi.<stack>.yaml, never in plain text.
    it("keeps a secret setting encrypted in the stack file and gives it back", () => {
        const password = "engine-test-admin-password-1";
        succeeded(
            scratch.pulumi(["config", "set", "--secret", "jenkinsAdminPassword", password]),
            "pulumi config set --secret",
        );
        const stackFile = fs.readFileSync(path.join(scratch.dir, "Pulumi.engine-test.yaml"), "utf8");
        assert.doesNotMatch(stackFile, new RegExp(password));
        assert.match(stackFile, /jenkinsAdminPassword:\s+secure: /);
        const read = scratch.pulumi(["config", "get", "jenkinsAdminPassword"]);
        succeeded(read, "pulumi config get");
        assert.equal(read.stdout.trim(), password);
    });
});
