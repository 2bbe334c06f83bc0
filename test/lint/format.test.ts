import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { repoRoot } from "../support/paths";

// The formatters and linters of `npm run lint` (the same commands, the same configs: .prettierrc.json
// and .prettierignore, eslint.config.mjs, ruff.toml), each failing with the list of files to fix.
const prettier = path.join(repoRoot, "node_modules", ".bin", "prettier");
const eslint = path.join(repoRoot, "node_modules", ".bin", "eslint");
// Caches of results by file content, for the inner loop (a fresh clone, as CI runs it, has none). ESLint's
// keeps a file's result while the file is unchanged even when a type it imports changed; npm run lint, which
// never uses it, is the whole check.
const cacheDir = path.join(repoRoot, "node_modules", ".cache");
const useCaches = process.env.LINT_CACHE === "1";
const prettierCache = useCaches
    ? ["--cache", "--cache-strategy", "content", "--cache-location", path.join(cacheDir, "prettier", ".prettier-cache")]
    : [];
const eslintCache = useCaches
    ? ["--cache", "--cache-strategy", "content", "--cache-location", path.join(cacheDir, "eslint") + "/"]
    : [];
/** The pinned ruff (tools/python-lint/requirements.txt), installed on first use into a cache folder. */
const ruff = path.join(repoRoot, "tools", "python-lint", "ruff.sh");

function run(command: string, args: string[], cwd = repoRoot) {
    const result = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    assert.equal(result.error, undefined, `${command} did not start: ${result.error?.message}`);
    return result;
}

/** Fails unless the tool exited 0; 1 means findings (listed), anything else a broken run (its stderr). */
function assertClean(result: ReturnType<typeof run>, what: string, findings: string) {
    assert.ok(
        result.status === 0 || result.status === 1,
        `${what} could not run (status ${result.status}):\n${result.stderr}${result.stdout}`,
    );
    assert.equal(result.status, 0, `${what}:\n${findings}`);
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "adult-mlops-format-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe("prettier", () => {
    test("would reformat no file of the project", () => {
        const result = run(prettier, ["--list-different", ...prettierCache, "."]);
        assertClean(result, "prettier would reformat these files (npm run format rewrites them)", result.stdout);
    });

    test("reports a misformatted copy of a TypeScript file under the project's configuration", () => {
        // Catches the configuration going wrong the quiet way: an ignore pattern that takes in the TypeScript.
        const dir = fs.mkdtempSync(path.join(scratch, "prettier-"));
        for (const file of [".prettierrc.json", ".prettierignore"])
            fs.copyFileSync(path.join(repoRoot, file), path.join(dir, file));
        fs.mkdirSync(path.join(dir, "components"));
        const source = fs.readFileSync(path.join(repoRoot, "index.ts"), "utf8");
        fs.writeFileSync(
            path.join(dir, "components", "misformatted.ts"),
            source.replace(/^ {4}/gm, "  ") + "\nconst  spaced = { a:1 } ;\n",
        );
        const result = run(prettier, ["--list-different", "."], dir);
        assert.equal(result.status, 1, result.stderr + result.stdout);
        assert.deepEqual(result.stdout.trim().split("\n"), ["components/misformatted.ts"]);
    });
});

describe("eslint", () => {
    test("finds nothing in the TypeScript of the project (type-aware rules)", () => {
        const result = run(eslint, ["--format", "json", ...eslintCache, "."]);
        assert.ok(
            result.status === 0 || result.status === 1,
            `eslint could not run (status ${result.status}):\n${result.stderr}${result.stdout}`,
        );
        const results = JSON.parse(result.stdout) as {
            filePath: string;
            messages: { ruleId: string | null; line: number; message: string }[];
        }[];
        const linted = results.map((file) => path.relative(repoRoot, file.filePath));
        // Catches the file list going empty (a moved folder, a bad "files" pattern) and the lint checking nothing.
        for (const expected of ["index.ts", "components/", "config/", "contracts/", "jenkins/", "test/"]) {
            assert.ok(
                linted.some((file) => file.startsWith(expected)),
                `eslint linted nothing under ${expected}: ${linted.join(" ")}`,
            );
        }
        const findings = results
            .filter((file) => file.messages.length > 0)
            .map((file) =>
                [
                    path.relative(repoRoot, file.filePath),
                    ...file.messages.map((m) => `  ${m.line}: ${m.message} (${m.ruleId ?? "fatal"})`),
                ].join("\n"),
            );
        assertClean(result, "eslint found problems in these files", findings.join("\n"));
    });
});

describe("ruff", () => {
    test("finds nothing in the Python of the project and would reformat none of it", () => {
        const files = run(ruff, ["check", "--show-files"]);
        assert.equal(files.status, 0, files.stderr);
        // Catches the file list going empty (a moved folder, an exclude too wide).
        for (const expected of ["ml/adult_pipeline/", "ml/bench/", "test/ml/"]) {
            assert.ok(
                files.stdout.includes(path.join(repoRoot, expected)),
                `ruff checks nothing under ${expected}:\n${files.stdout}`,
            );
        }
        const check = run(ruff, ["check", "--output-format", "concise", "--no-fix"]);
        assertClean(check, "ruff check found problems (npm run lint:fix fixes those marked [*])", check.stdout);
        const format = run(ruff, ["format", "--check", "--output-format", "concise"]);
        assertClean(format, "ruff format would reformat these files (npm run format rewrites them)", format.stdout);
    });

    test("reports a misformatted file and an unused import under the project's configuration", () => {
        const dir = fs.mkdtempSync(path.join(scratch, "ruff-"));
        const file = path.join(dir, "misformatted.py");
        fs.writeFileSync(file, "import os\nimport sys\n\nprint( sys.argv ,'x')\n");
        const config = ["--config", path.join(repoRoot, "ruff.toml")];
        const format = run(ruff, ["format", "--check", ...config, file], dir);
        assert.equal(format.status, 1, format.stderr + format.stdout);
        assert.match(format.stdout, /misformatted\.py/);
        const check = run(ruff, ["check", "--output-format", "concise", "--no-fix", ...config, file], dir);
        assert.equal(check.status, 1, check.stderr + check.stdout);
        assert.match(check.stdout, /misformatted\.py:1:8: F401/);
    });
});
