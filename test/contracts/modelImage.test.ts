/**
 * The model image's contract is written once for TypeScript (contracts/modelImage.ts) and once for
 * Python (ml/adult_pipeline/contract.py). This suite fails when either of them, ml/Dockerfile, the
 * shell scripts that run the image, ml/README.md or Pulumi.yaml says something else.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { readDeclarations } from "../../config/declaredConfig";
import { CALLER_EXIT_STATUS, EXIT_STATUS, exitStatusEnvironment, METRICS_FIELDS, MODEL_IMAGE_ENVIRONMENT, MODEL_NAMES } from "../../contracts/modelImage";
import { repoRoot } from "../support/paths";

interface PythonContract {
    environment: Record<string, [string, string]>;
    exitStatus: Record<string, number>;
    metricsFields: string[];
    modelNames: string[];
}

const python: PythonContract = JSON.parse(
    execFileSync(
        "/usr/bin/python3",
        [
            "-c",
            [
                "import json",
                "from adult_pipeline import contract as c",
                "print(json.dumps({'environment': c.ENVIRONMENT, 'metricsFields': c.METRICS_FIELDS, 'modelNames': c.MODEL_NAMES,",
                "  'exitStatus': {k: v for k, v in vars(c).items() if k.startswith('EXIT_')}}))",
            ].join("\n"),
        ],
        { cwd: path.join(repoRoot, "ml"), encoding: "utf8" },
    ),
);

const typescriptDefaults = Object.fromEntries(Object.entries(MODEL_IMAGE_ENVIRONMENT).map(([name, variable]) => [name, variable.default]));
/** Python's EXIT_GATE_FAILED is TypeScript's gateFailed. */
const typescriptExitStatus = Object.fromEntries(
    Object.entries(EXIT_STATUS).map(([name, status]) => [`EXIT_${name.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`, status]),
);

/** Rows of the first Markdown table after `heading` in `markdown`, as arrays of cells without backticks. */
function tableAfter(markdown: string, heading: string): string[][] {
    const start = markdown.indexOf(heading);
    assert.ok(start >= 0, `ml/README.md has a section "${heading}"`);
    const lines = markdown.slice(start).split("\n");
    const first = lines.findIndex((line) => line.startsWith("|"));
    const table = lines.slice(first).filter((_, i, all) => all.slice(0, i + 1).every((line) => line.startsWith("|")));
    return table.slice(2).map((row) => row.split("|").slice(1, -1).map((cell) => cell.trim().replace(/`/g, "")));
}

const readme = fs.readFileSync(path.join(repoRoot, "ml", "README.md"), "utf8");
const rootReadme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8");
/** Every status a run can end with: the image's own and its callers'. */
const allStatuses = [...Object.values(EXIT_STATUS), ...Object.values(CALLER_EXIT_STATUS)].sort((a, b) => a - b);

describe("the model image's contract", () => {
    it("TypeScript and Python name the same variables with the same defaults and meanings", () => {
        assert.deepEqual(typescriptDefaults, Object.fromEntries(Object.entries(python.environment).map(([name, [value]]) => [name, value])));
        for (const [name, variable] of Object.entries(MODEL_IMAGE_ENVIRONMENT)) {
            assert.equal(variable.meaning, python.environment[name][1], name);
        }
    });

    it("TypeScript and Python agree on the exit statuses, the metrics line's fields and the model names", () => {
        assert.deepEqual(typescriptExitStatus, python.exitStatus);
        assert.deepEqual([...METRICS_FIELDS], python.metricsFields);
        assert.deepEqual([...MODEL_NAMES], python.modelNames);
    });

    it("ml/Dockerfile sets no contract variable to another value than the contract's default", () => {
        const dockerfile = fs.readFileSync(path.join(repoRoot, "ml", "Dockerfile"), "utf8").replace(/\\\n/g, " ");
        const assignments = [...dockerfile.matchAll(/^ENV (.*)$/gm)].flatMap((match) => [...match[1].matchAll(/(\w+)=(\S*)/g)]);
        for (const [, name, value] of assignments) {
            if (name in typescriptDefaults) {
                assert.equal(value, typescriptDefaults[name], `ENV ${name}`);
            }
        }
    });

    it("ml/README.md documents the same variables, defaults, exit statuses and metrics fields", () => {
        const variables = tableAfter(readme, "## Settings (environment variables)");
        assert.deepEqual(
            Object.fromEntries(variables.map(([name, value]) => [name, value === "*(empty)*" ? "" : value])),
            typescriptDefaults,
        );
        const exits = tableAfter(readme, "## Exit codes");
        assert.deepEqual(exits.map(([code]) => Number(code)).sort((a, b) => a - b), allStatuses);
        const fields = tableAfter(readme, "## The gated run");
        assert.deepEqual(fields.map(([key]) => key), [...METRICS_FIELDS]);
    });

    it("the root README's exit-status table is ml/README.md's, word for word", () => {
        assert.deepEqual(tableAfter(rootReadme, "### Exit statuses"), tableAfter(readme, "## Exit codes"));
    });

    it("the callers' statuses are distinct from the image's and from each other, and all reach the scripts' environment", () => {
        assert.equal(new Set(allStatuses).size, allStatuses.length);
        const environment = exitStatusEnvironment();
        for (const status of Object.values(CALLER_EXIT_STATUS)) {
            assert.ok(Object.values(environment).includes(String(status)), `status ${status} is handed to the scripts`);
        }
    });

    it("the stack's defaults for the gate and the model are the image's", () => {
        const declared = readDeclarations(repoRoot);
        assert.equal(declared.threshold.default, MODEL_IMAGE_ENVIRONMENT.THRESHOLD.default);
        assert.equal(declared.model.default, MODEL_IMAGE_ENVIRONMENT.MODEL.default);
    });

    it("the shell scripts that run the image take its variables and exit statuses from their environment, not from a list of their own", () => {
        const scripts = [
            "scripts/run-gated-pipeline.sh",
            "jenkins/jobs/github-to-container.sh",
            "jenkins/jobs/gate-and-test.sh",
            "scripts/model-container.sh",
            "scripts/prepare-data.sh",
            "jenkins/jobs/run-stage.sh",
            "scripts/model-service.sh",
        ].map((file) => ({
            file,
            text: fs.readFileSync(path.join(repoRoot, file), "utf8"),
        }));
        for (const status of [EXIT_STATUS.gateFailed, EXIT_STATUS.stopped, ...Object.values(CALLER_EXIT_STATUS)]) {
            const statusLiteral = new RegExp(`(exit|return|-eq|-ne|fail_with)\\s+"?${status}\\b|^\\s*${status}\\)`, "m");
            for (const { file, text } of scripts) {
                assert.doesNotMatch(text, statusLiteral, `${file} spells out the exit status ${status}`);
            }
        }
        for (const { file, text } of scripts) {
            assert.doesNotMatch(text, /--env (THRESHOLD|MODEL|RAW_DATA_FILE|TEST_DATA_FILE)\b/, `${file} lists the model's variables`);
        }
        assert.match(scripts[0].text, /for name in \$MODEL_ENV_VARS/);
        assert.match(scripts[1].text, /for name in \$MODEL_ENV_VARS/);
        assert.match(scripts[0].text, /\$GATE_FAILED_STATUS/);
        assert.match(scripts[2].text, /\$GATE_FAILED_STATUS/);
        const registryMount = fs.readFileSync(path.join(repoRoot, "scripts", "registry-mount.sh"), "utf8");
        assert.match(registryMount, /exit "\$BAD_REGISTRY_STATUS"/);
        assert.doesNotMatch(registryMount, new RegExp(`exit\\s+${EXIT_STATUS.badRegistry}\\b`));
    });
});
