/**
 * The model image's contract is written once, in ml/adult_pipeline/contract.json: contract.py loads it,
 * contracts/modelImage.ts imports it, the READMEs' tables are rendered from it. This suite fails when
 * Python reads it otherwise, a README's table is not the rendered one, or a second copy of a fact appears.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { readDeclarations } from "../../config/declaredConfig";
import { CONTRACT_DOCUMENTS, contractRegions, renderContractTables } from "../../contracts/contractDocs";
import {
    CALLER_EXIT_STATUS,
    EXIT_STATUS,
    exitStatusEnvironment,
    METRICS_FIELDS,
    MODEL_IMAGE_ENVIRONMENT,
    MODEL_NAMES,
} from "../../contracts/modelImage";
import contract from "../../ml/adult_pipeline/contract.json";
import { repoRoot } from "../support/paths";

interface PythonContract {
    environment: Record<string, [string, string]>;
    exitStatus: Record<string, number>;
    metricsFields: string[];
    modelNames: string[];
    verdicts: string[];
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
                "  'verdicts': c.METRICS_VERDICTS, 'exitStatus': {k: v for k, v in vars(c).items() if k.startswith('EXIT_')}}))",
            ].join("\n"),
        ],
        { cwd: path.join(repoRoot, "ml"), encoding: "utf8" },
    ),
);

/** Python's EXIT_GATE_FAILED is the contract's gateFailed. */
const pythonName = (name: string) => `EXIT_${name.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;

/** Every status a run can end with: the image's own and its callers'. */
const allStatuses = [...Object.values(EXIT_STATUS), ...Object.values(CALLER_EXIT_STATUS)].sort((a, b) => a - b);

function trackedFiles(...patterns: string[]): string[] {
    return execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", ...patterns], {
        cwd: repoRoot,
        encoding: "utf8",
    })
        .split("\n")
        .filter((file) => file !== "" && fs.existsSync(path.join(repoRoot, file)));
}

/** A file's text without the regions rendered from the contract (those are the contract, shown). */
function withoutRenderedRegions(text: string): string {
    return text.replace(/<!-- contract:([a-z-]+) -->[\s\S]*?<!-- \/contract:\1 -->/g, "");
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Each fact of the contract as a pattern that would find it restated: a meaning, a variable declared with
 * its default (quoted, as code declares it: `MODEL=xgb` in a log line is a use), a status with its code.
 */
function contractFacts(): { fact: string; pattern: RegExp }[] {
    const meanings = [contract.environment, contract.exitStatus, contract.callerExitStatus, contract.metricsFields]
        .flatMap((entries) => Object.values(entries).map((entry) => entry.meaning))
        .filter((meaning) => meaning.length >= 30)
        .map((meaning) => ({
            fact: `the meaning "${meaning.slice(0, 40)}…"`,
            pattern: new RegExp(escapeRegExp(meaning)),
        }));
    const defaults = Object.entries(MODEL_IMAGE_ENVIRONMENT)
        .filter(([, variable]) => variable.default !== "")
        .map(([name, variable]) => ({
            fact: `${name}'s default`,
            pattern: new RegExp(
                `\\b${name}\\b["']?\\s*[:=,]\\s*[({]?\\s*(default:\\s*)?["']${escapeRegExp(variable.default)}["']`,
            ),
        }));
    const statuses = [...Object.entries(contract.exitStatus), ...Object.entries(contract.callerExitStatus)].map(
        ([name, status]) => ({
            fact: `the exit status ${name}`,
            pattern: new RegExp(`\\b(${name}|${pythonName(name)})\\s*[:=]\\s*${status.code}\\b`),
        }),
    );
    return [...meanings, ...defaults, ...statuses];
}

describe("the model image's contract", () => {
    it("Python reads the contract file as TypeScript does: variables, defaults, meanings, exit statuses, metrics fields, verdicts, models", () => {
        assert.deepEqual(
            python.environment,
            Object.fromEntries(
                Object.entries(MODEL_IMAGE_ENVIRONMENT).map(([name, variable]) => [
                    name,
                    [variable.default, variable.meaning],
                ]),
            ),
        );
        assert.deepEqual(
            python.exitStatus,
            Object.fromEntries(Object.entries(EXIT_STATUS).map(([name, code]) => [pythonName(name), code])),
        );
        assert.deepEqual(python.metricsFields, [...METRICS_FIELDS]);
        assert.deepEqual(python.modelNames, [...MODEL_NAMES]);
        assert.deepEqual(python.verdicts, contract.registryVerdicts);
    });

    it("the READMEs' contract tables are the ones rendered from the contract (npm run docs rewrites them)", () => {
        const expectedRegions: Record<(typeof CONTRACT_DOCUMENTS)[number], string[]> = {
            "ml/README.md": ["environment", "exit-statuses", "metrics-fields"],
            "README.md": ["exit-statuses"],
        };
        for (const file of CONTRACT_DOCUMENTS) {
            const text = fs.readFileSync(path.join(repoRoot, file), "utf8");
            assert.deepEqual(contractRegions(text), expectedRegions[file], file);
            assert.equal(text, renderContractTables(text, file), `${file} is not current: run npm run docs`);
        }
        assert.throws(
            () => renderContractTables("<!-- contract:nothing -->\n| x |\n<!-- /contract:nothing -->", "X.md"),
            /X.md: <!-- contract:nothing --> names no table of the contract/,
        );
    });

    it("ml/Dockerfile sets none of the contract's variables, and the contract goes into the image", () => {
        const dockerfile = fs.readFileSync(path.join(repoRoot, "ml", "Dockerfile"), "utf8").replace(/\\\n/g, " ");
        const assigned = [...dockerfile.matchAll(/^ENV (.*)$/gm)].flatMap((match) =>
            [...match[1].matchAll(/(\w+)=/g)].map((name) => name[1]),
        );
        assert.ok(assigned.includes("PYTHONUNBUFFERED"), "the ENV lines are read");
        assert.deepEqual(
            assigned.filter((name) => name in MODEL_IMAGE_ENVIRONMENT),
            [],
        );
        const dockerignore = fs.readFileSync(path.join(repoRoot, "ml", ".dockerignore"), "utf8");
        assert.match(dockerignore, /^!adult_pipeline\/contract\.json$/m);
    });

    it("no file but the contract states one of its meanings, a variable's default or an exit status", () => {
        const facts = contractFacts();
        const sources = trackedFiles("*.ts", "*.py", "*.sh", "*.md", "*.yaml", "*.json", "*Dockerfile").filter(
            (file) =>
                file !== "ml/adult_pipeline/contract.json" && file !== "package-lock.json" && !file.startsWith("test/"),
        );
        assert.ok(
            sources.includes("contracts/modelImage.ts") && sources.includes("ml/adult_pipeline/contract.py"),
            "the former copies are looked at",
        );
        const copies = sources.flatMap((file) => {
            const text = withoutRenderedRegions(fs.readFileSync(path.join(repoRoot, file), "utf8"));
            return facts.filter(({ pattern }) => pattern.test(text)).map(({ fact }) => `${file}: ${fact}`);
        });
        assert.deepEqual(copies, []);
        // The patterns find the copies this file replaced.
        const formerCopies = [
            'THRESHOLD: { default: "0.8", meaning: "the gate"',
            `"REGISTRY_DIR": ("/registry", "the model registry`,
            "EXIT_GATE_FAILED = 3",
            "badRegistry: 6,",
        ];
        for (const copy of formerCopies) {
            assert.ok(
                facts.some(({ pattern }) => pattern.test(copy)),
                copy,
            );
        }
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
            const statusLiteral = new RegExp(
                `(exit|return|-eq|-ne|fail_with)\\s+"?${status}\\b|^\\s*${status}\\)`,
                "m",
            );
            for (const { file, text } of scripts) {
                assert.doesNotMatch(text, statusLiteral, `${file} spells out the exit status ${status}`);
            }
        }
        for (const { file, text } of scripts) {
            assert.doesNotMatch(
                text,
                /--env (THRESHOLD|MODEL|RAW_DATA_FILE|TEST_DATA_FILE)\b/,
                `${file} lists the model's variables`,
            );
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
