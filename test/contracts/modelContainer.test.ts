/**
 * Every container of the model image gets its flags from one place, scripts/model-container.sh
 * (model_container_flags, run_model_container), with a memory limit and a pids limit that are always
 * set: MODEL_MEMORY_LIMIT and MODEL_PIDS_LIMIT, the stack's modelMemoryLimit and modelPidsLimit. A bad
 * or missing limit ends each caller (the stack's command, the data fetch, the report export, every
 * Jenkins job step) with the bad-setting status and one `error:` line before any docker command runs.
 * No Docker engine: a docker on PATH that records its arguments stands in for it.
 * (test/reliability/drills.docker.test.ts runs the flags on a real engine.)
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { EXIT_STATUS, exitStatusEnvironment, modelContainerEnvironment } from "../../contracts/modelImage";
import { renderJenkins } from "../../jenkins/render";
import { localSettings } from "../jenkins/fixtures";
import { summariseJob } from "../jenkins/jobXml";
import { defaultContainerLimits } from "../support/modelImage";
import { repoRoot } from "../support/paths";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "model-container-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

// A docker that records every call and succeeds (an image and a volume exist, a run prints nothing).
const bin = path.join(scratch, "bin");
const calls = path.join(scratch, "docker-calls");
fs.mkdirSync(bin);
fs.writeFileSync(path.join(bin, "docker"), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${calls}"\n`, { mode: 0o755 });

function dockerCalls(): string[] {
    return fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").split("\n").slice(0, -1) : [];
}

/** The environment the stack and Jenkins give a caller, with `limits` over the defaults (undefined: unset). */
function callerEnvironment(limits: Record<string, string | undefined>): NodeJS.ProcessEnv {
    const environment: NodeJS.ProcessEnv = {
        PATH: `${bin}:${process.env.PATH}`,
        ...exitStatusEnvironment(),
        ...modelContainerEnvironment(defaultContainerLimits),
        MODEL_IMAGE: "adult-mlops-model:test",
        MODEL_ENV_VARS: "THRESHOLD",
        THRESHOLD: "0.8",
        MODEL_CONTAINER: "adult-mlops-test-model",
        DATA_DIR: scratch,
        DATA_VOLUME: "",
        REGISTRY_VOLUME: "adult-mlops-test-registry",
        REPORTS_DIR: path.join(scratch, "reports"),
        WORKSPACE: repoRoot,
        JOB_NAME: "train",
        ...limits,
    };
    for (const [key, value] of Object.entries(limits)) if (value === undefined) delete environment[key];
    return environment;
}

/** Each caller, as a bash command line: the stack's scripts, and each Jenkins job step as rendered. */
const jobSteps = Object.entries(renderJenkins(localSettings).jobs).flatMap(([job, xml]) =>
    summariseJob(xml).shellSteps.map((step, index) => ({
        name: `Jenkins job ${job} step ${index}`,
        args: ["-c", step.command],
    })),
);
const callers = [
    { name: "scripts/run-gated-pipeline.sh", args: [path.join(repoRoot, "scripts", "run-gated-pipeline.sh")] },
    {
        name: "scripts/prepare-data.sh",
        args: [path.join(repoRoot, "scripts", "prepare-data.sh"), "adult-mlops-model:test"],
    },
    {
        name: "scripts/export-reports.sh",
        args: [path.join(repoRoot, "scripts", "export-reports.sh"), "adult-mlops-model:test"],
    },
    ...jobSteps,
];

const badLimits: [string, Record<string, string | undefined>, RegExp][] = [
    [
        "MODEL_PIDS_LIMIT=abc",
        { MODEL_PIDS_LIMIT: "abc" },
        /^error: MODEL_PIDS_LIMIT='abc' is not a pids limit; expected a whole number of processes from 8 to 4194304, such as 256: the stack's modelPidsLimit; no container was started$/,
    ],
    [
        "MODEL_PIDS_LIMIT=0 (Docker's no limit)",
        { MODEL_PIDS_LIMIT: "0" },
        /^error: MODEL_PIDS_LIMIT='0' is not a pids limit/,
    ],
    [
        "MODEL_MEMORY_LIMIT=0 (Docker's no limit)",
        { MODEL_MEMORY_LIMIT: "0" },
        /^error: MODEL_MEMORY_LIMIT='0' is not a memory limit; expected a size such as 512m or 2g .*modelMemoryLimit; no container was started$/,
    ],
    [
        "MODEL_MEMORY_LIMIT unset",
        { MODEL_MEMORY_LIMIT: undefined },
        /^error: MODEL_MEMORY_LIMIT='' is not a memory limit/,
    ],
];

describe("every caller of the model image refuses a bad container limit before any docker command", () => {
    test("the Jenkins jobs' steps are among the callers", () => assert.equal(jobSteps.length >= 4, true));

    for (const [what, limits, message] of badLimits) {
        for (const caller of callers) {
            test(`${caller.name} with ${what}: the bad-setting status, one error line, docker never called`, () => {
                fs.rmSync(calls, { force: true });
                const run = spawnSync("bash", caller.args, {
                    encoding: "utf8",
                    env: callerEnvironment(limits),
                    cwd: scratch,
                    timeout: 30_000,
                });
                assert.equal(run.status, EXIT_STATUS.badInput, run.stderr);
                const errors = run.stderr.split("\n").filter((line) => line.startsWith("error:"));
                assert.equal(errors.length, 1, run.stderr);
                assert.match(errors[0], message);
                assert.deepEqual(dockerCalls(), []);
            });
        }
    }
});

describe("the one set of flags", () => {
    /** The flags the library gives every model container with `limits` over the defaults. */
    function flags(limits: Record<string, string> = {}): string[] {
        const run = spawnSync(
            "bash",
            [
                "-c",
                'source "$0" && printf "%s\\n" "${model_container_flags[@]}"',
                path.join(repoRoot, "scripts", "model-container.sh"),
            ],
            {
                encoding: "utf8",
                env: callerEnvironment(limits),
            },
        );
        assert.equal(run.status, 0, run.stderr);
        return run.stdout.split("\n").slice(0, -1);
    }

    test("hardened, with both limits always set, memory and swap equal", () => {
        const given = flags();
        const pairs = new Set<string>(
            given.flatMap((flag, i) =>
                flag.startsWith("--") && !given[i + 1]?.startsWith("--") ? [`${flag} ${given[i + 1]}`] : [],
            ),
        );
        for (const expected of [
            "--tmpfs /work:uid=10001,gid=10001,mode=0700",
            "--cap-drop ALL",
            "--security-opt no-new-privileges",
            `--memory ${defaultContainerLimits.memory}`,
            `--memory-swap ${defaultContainerLimits.memory}`,
            `--pids-limit ${defaultContainerLimits.pids}`,
        ]) {
            assert.ok(pairs.has(expected), `${expected} in ${given.join(" ")}`);
        }
        assert.ok(given.includes("--init") && given.includes("--read-only"), given.join(" "));
    });

    test("the limits come from the environment", () => {
        const given = flags({ MODEL_MEMORY_LIMIT: "3g", MODEL_PIDS_LIMIT: "1000" }).join(" ");
        assert.match(given, /--memory 3g --memory-swap 3g --pids-limit 1000/);
    });

    // A `docker run` written anywhere else could leave the flags out: every one goes through the library.
    test("no script or job step starts a model container without model_container_flags", () => {
        const files = [
            ...fs.readdirSync(path.join(repoRoot, "scripts")).map((file) => path.join("scripts", file)),
            ...fs.readdirSync(path.join(repoRoot, "jenkins", "jobs")).map((file) => path.join("jenkins", "jobs", file)),
        ].filter((file) => file.endsWith(".sh"));
        const runs = files.flatMap((file) =>
            fs
                .readFileSync(path.join(repoRoot, file), "utf8")
                .split("\n")
                .filter((line) => /^\s*[^#]*\bdocker (run|create)\b/.test(line))
                .map((line) => ({ file, line })),
        );
        assert.ok(runs.length >= 2, JSON.stringify(runs));
        for (const { file, line } of runs) {
            assert.match(line, /"\$\{model_container_flags\[@\]\}"/, `${file}: ${line.trim()}`);
        }
    });

    test("the stack's command and each script it runs the image through take the flags from the library", () => {
        for (const script of ["run-gated-pipeline.sh", "prepare-data.sh", "export-reports.sh"]) {
            const text = fs.readFileSync(path.join(repoRoot, "scripts", script), "utf8");
            assert.match(text, /^source .*model-container\.sh"?$/m, script);
            assert.match(text, /\brun_model_container\b/, `${script} starts its container through run_model_container`);
        }
    });
});
