/**
 * A data URL's secrets (user:password, a pre-signed URL's query string) never reach a message or a
 * log: the TypeScript (config/validators.ts redactedUrl) and the shell (scripts/model-container.sh
 * redact_url) show a URL the way fixtures/redacted-urls.json says, which test/ml/test_fetch.py holds
 * the Python (fetch.py redacted_url) to, and prepare-data.sh names the URL only that way.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { redactedUrl } from "../../config/validators";
import { modelContainerEnvironment } from "../../contracts/modelImage";
import { defaultContainerLimits } from "../support/modelImage";
import { repoRoot } from "../support/paths";

type Case = { url: string; shown: string; why: string };
const { cases } = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "redacted-urls.json"), "utf8")) as {
    cases: Case[];
};
const library = path.join(repoRoot, "scripts", "model-container.sh");

/** redact_url from the one shell file every script and job step has, once per URL: one line each. */
function shellRedacted(urls: string[]): string[] {
    const script = `source "$0"; for url in "$@"; do redact_url "$url"; done`;
    // The library checks the model containers' limits when sourced: the callers' defaults.
    const env = { ...process.env, ...modelContainerEnvironment(defaultContainerLimits) };
    const output = execFileSync("bash", ["-c", script, library, ...urls], { encoding: "utf8", env });
    return output.split("\n").slice(0, -1);
}

describe("a URL as messages and logs show it", () => {
    test("the cases cover credentials, a signature, a fragment and a URL with nothing to hide", () => {
        assert.ok(cases.length >= 10);
        assert.ok(cases.some((c) => c.url === c.shown && c.url !== ""));
        assert.ok(
            cases.every((c) => !/hunter2|0f1e/.test(c.shown)),
            "a case's expected text holds its secret",
        );
    });

    for (const c of cases) {
        test(`TypeScript: ${c.why}`, () => assert.equal(redactedUrl(c.url), c.shown));
    }

    test("shell (scripts/model-container.sh redact_url): every case", () => {
        assert.deepEqual(
            shellRedacted(cases.map((c) => c.url)),
            cases.map((c) => c.shown),
        );
    });
});

describe("scripts/prepare-data.sh with a signed URL", () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "prepare-data-"));
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));
    const signature = "X-Amz-Signature=0f1e2d3c4b5a";
    const dataUrl = `https://user:hunter2@bucket.example.com/adult.zip?X-Amz-Expires=600&${signature}`;

    // A docker that succeeds at everything and records its arguments: the script's own output is what is checked.
    const bin = path.join(scratch, "bin");
    const calls = path.join(scratch, "docker-calls");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "docker"), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${calls}"\n`, { mode: 0o755 });

    test("names the source without its user:password or query string, and hands the URL over by name only", () => {
        const run = spawnSync("bash", [path.join(repoRoot, "scripts", "prepare-data.sh"), "adult-mlops-model:test"], {
            encoding: "utf8",
            env: {
                PATH: `${bin}:${process.env.PATH}`,
                DATA_URL: dataUrl,
                DATA_VOLUME: "adult-mlops-test-data",
                ...modelContainerEnvironment(defaultContainerLimits),
            },
        });
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.stdout, "type=volume,source=adult-mlops-test-data\n");
        assert.match(run.stderr, /the UCI archive from https:\/\/\*\*\*@bucket\.example\.com\/adult\.zip\?…, /);
        const dockerCalls = fs.readFileSync(calls, "utf8");
        assert.match(dockerCalls, /--env DATA_URL /, "the container gets DATA_URL from the environment, by name");
        for (const text of [run.stdout, run.stderr, dockerCalls]) {
            assert.ok(!text.includes(signature) && !text.includes("hunter2"), text);
        }
    });
});
