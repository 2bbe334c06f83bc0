/**
 * Abuse drills (issue "The registry never lies"), each through the stack's pipeline command
 * (scripts/run-gated-pipeline.sh) or the report export, on data files this test writes from the shared
 * UCI files: values that broke the report or the default model, waits that never ended, a misspelled
 * variable, a link planted in a version folder. Registry drills: registry.docker.test.ts.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { EXIT_STATUS, exitStatusEnvironment, modelContainerEnvironment } from "../../contracts/modelImage";
import { buildModelImage, defaultContainerLimits, testModelImageTag } from "../support/modelImage";
import { repoRoot, sharedDataDir } from "../support/paths";
import { docker, drillName, errorLines, pipelineEnvironment, PipelineRun, startPipeline } from "./support";

const image = testModelImageTag;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "adult-abuse-"));
const volumes: string[] = [];

/** The UCI training file's header and first `rows` rows, with `edit` applied to each row's fields (adult.data has no header line). */
function writeDataFile(
    name: string,
    rows: number,
    edit: (fields: string[], index: number) => string[] = (fields) => fields,
    source = "adult.data",
): void {
    const lines = fs
        .readFileSync(path.join(sharedDataDir, source), "utf8")
        .split("\n")
        .filter((line) => /\d/.test(line) && !line.startsWith("|"));
    const edited = lines.slice(0, rows).map((line, index) => edit(line.split(", "), index).join(", "));
    fs.writeFileSync(path.join(scratch, name), edited.join("\n") + "\n");
}

const RACE = 8;

function run(file: string, extra: Record<string, string> = {}, testFile = ""): Promise<PipelineRun> {
    const environment = pipelineEnvironment(
        image,
        { kind: "directory", path: scratch },
        "",
        { model: "xgb", rawDataFile: file, testDataFile: testFile },
        extra,
    );
    return startPipeline(environment, 900).done;
}

function metricsLine(result: PipelineRun): Record<string, any> {
    return JSON.parse(result.stdout.trim().split("\n").pop() ?? "");
}

function oneError(result: PipelineRun, pattern: RegExp): void {
    const lines = errorLines(result);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], pattern);
}

/** A registry volume arranged by `script` (run as root in the image, the volume at /v). */
function registryVolume(what: string, script: string): string {
    const volume = drillName(what);
    volumes.push(volume);
    assert.equal(docker(["volume", "create", volume]).status, 0);
    const arranged = docker([
        "run",
        "--rm",
        "--network",
        "none",
        "--user",
        "0",
        "--mount",
        `type=volume,source=${volume},target=/v`,
        image,
        "sh",
        "-c",
        `chown 10001:10001 /v && ${script}`,
    ]);
    assert.equal(arranged.status, 0, arranged.stderr);
    return volume;
}

before(() => {
    buildModelImage();
    fs.chmodSync(scratch, 0o755);
    writeDataFile("small.data", 4000);
});
after(() => {
    volumes.forEach((volume) => docker(["volume", "rm", "--force", volume]));
    fs.rmSync(scratch, { recursive: true, force: true });
});

describe("drills: data that broke the default model or the report", { timeout: 30 * 60_000 }, () => {
    test("age=1e39 with the default xgb: bad input (2) naming file, line and column, not a traceback", async () => {
        writeDataFile("huge-age.data", 4000, (fields, index) =>
            index === 10 ? [String(1e39), ...fields.slice(1)] : fields,
        );
        const result = await run("huge-age.data");
        assert.equal(result.status, EXIT_STATUS.badInput, result.stderr);
        oneError(result, /^error: \/data\/huge-age\.data.*line 11.*age/);
        assert.doesNotMatch(result.stderr, /Traceback/);
    });

    test("MAX_INPUT_BYTES=1000000000000: bad input (2) naming the bound, before anything is read", async () => {
        const result = await run("small.data", {
            MAX_INPUT_BYTES: "1000000000000",
            MODEL_ENV_VARS: "THRESHOLD MAX_REGRESSION MODEL RAW_DATA_FILE TEST_DATA_FILE MAX_INPUT_BYTES",
        });
        assert.equal(result.status, EXIT_STATUS.badInput, result.stderr);
        oneError(result, /^error: MAX_INPUT_BYTES='1000000000000' is out of range; .*at most 1073741824/);
    });

    test("a mathtext category ($\\frac{$) and a 50,000-character one: the report and its figures are written, the values in plain text", async () => {
        const long = "x".repeat(50_000);
        writeDataFile("mathtext.data", 4000, (fields, index) =>
            index % 7 === 0
                ? [...fields.slice(0, RACE), index % 2 ? "$\\frac{$" : long, ...fields.slice(RACE + 1)]
                : fields,
        );
        const reports = fs.mkdtempSync(path.join(scratch, "reports-"));
        const result = await run("mathtext.data", { REPORTS_DIR: reports });
        assert.equal(result.status, EXIT_STATUS.ok, result.stderr);
        assert.doesNotMatch(result.stderr, /warning: the report was not written/);
        const version = metricsLine(result).registry.version;
        const files = fs.readdirSync(path.join(reports, String(version))).sort();
        assert.deepEqual(files, [
            "report-calibration.png",
            "report-confusion.png",
            "report-groups.png",
            "report-pr.png",
            "report-roc.png",
            "report.css",
            "report.html",
        ]);
        const page = fs.readFileSync(path.join(reports, String(version), "report.html"), "utf8");
        assert.ok(page.includes("$\\frac{$"), "the value is shown as it is");
        assert.ok(page.length < 200_000, `the page is ${page.length} characters`);
        assert.ok(metricsLine(result).groups.race.groups[long], "every group stays in the JSON");
    });

    test("16,281 distinct race values in the test file: the run completes, the report is small, every group is in the JSON", async () => {
        writeDataFile(
            "distinct.test",
            16_281,
            (fields, index) => [...fields.slice(0, RACE), `race-${index}`, ...fields.slice(RACE + 1)],
            "adult.test",
        );
        const reports = fs.mkdtempSync(path.join(scratch, "reports-"));
        const result = await run("small.data", { REPORTS_DIR: reports }, "distinct.test");
        console.log(`# 16,281 distinct race values: the whole run took ${result.seconds.toFixed(1)} s`);
        assert.equal(result.status, EXIT_STATUS.ok, result.stderr);
        const line = metricsLine(result);
        assert.equal(Object.keys(line.groups.race.groups).length, 16_281);
        const page = fs.readFileSync(path.join(reports, String(line.registry.version), "report.html"), "utf8");
        assert.ok(page.length < 100_000, `the page is ${page.length} characters`);
    });
});

describe("drills: waits that never ended, and a misspelled variable", { timeout: 30 * 60_000 }, () => {
    test("a FIFO at the registry's .lock: the registry status (6) at once, naming it", async () => {
        const volume = registryVolume("fifo", "mkfifo /v/.lock && chown 10001:10001 /v/.lock");
        const result = await run("small.data", { REGISTRY_VOLUME: volume });
        assert.equal(result.status, EXIT_STATUS.badRegistry, result.stderr);
        oneError(
            result,
            /^error: \/registry\/\.lock: the registry's lock is a named pipe \(FIFO\), not a regular file/,
        );
    });

    test("a run paused while it holds the lock: the next one says who holds it and gives up with the busy status (7)", async () => {
        const volume = registryVolume("paused", "true");
        const holder = drillName("holder");
        const hold =
            'import fcntl, os, time\nfd = os.open(\'/registry/.lock\', os.O_RDWR | os.O_CREAT)\nfcntl.flock(fd, fcntl.LOCK_EX)\nos.write(fd, b\'{"version": 9, "host": "paused-run", "pid": 1, "since": "2026-12-02T00:00:00+00:00"}\')\nprint(\'held\', flush=True)\ntime.sleep(600)';
        const child = spawn(
            "docker",
            [
                "run",
                "--rm",
                "--name",
                holder,
                "--network",
                "none",
                "--mount",
                `type=volume,source=${volume},target=/registry`,
                image,
                "python3",
                "-c",
                hold,
            ],
            { stdio: ["ignore", "pipe", "ignore"] },
        );
        try {
            await new Promise<void>((resolve) =>
                child.stdout.on("data", (chunk) => String(chunk).includes("held") && resolve()),
            );
            execFileSync("docker", ["pause", holder]);
            const result = await run("small.data", {
                REGISTRY_VOLUME: volume,
                REGISTRY_LOCK_TIMEOUT_SECONDS: "3",
                MODEL_ENV_VARS:
                    "THRESHOLD MAX_REGRESSION MODEL RAW_DATA_FILE TEST_DATA_FILE REGISTRY_LOCK_TIMEOUT_SECONDS",
            });
            assert.equal(result.status, EXIT_STATUS.registryBusy, result.stderr);
            assert.match(
                result.stderr,
                /waiting for the model registry's lock \/registry\/\.lock: held by v9 on host paused-run \(pid 1\) since 2026-12-02T00:00:00\+00:00; giving up after 3 s/,
            );
            oneError(result, /^error: \/registry\/\.lock: still held by v9 on host paused-run .* after waiting 3 s/);
        } finally {
            docker(["rm", "--force", holder]);
        }
    });

    test("THRESHHOLD=0.99 (misspelled): a warning naming THRESHOLD, and the gate uses the real setting", async () => {
        const result = await run("small.data", {
            THRESHHOLD: "0.99",
            MODEL_ENV_VARS: "THRESHOLD MAX_REGRESSION MODEL RAW_DATA_FILE TEST_DATA_FILE THRESHHOLD",
        });
        assert.equal(result.status, EXIT_STATUS.ok, result.stderr);
        assert.match(
            result.stderr,
            /^warning: THRESHHOLD is not a setting of this image and is ignored; did you mean THRESHOLD\?$/m,
        );
        assert.equal(metricsLine(result).threshold, 0.8);
    });
});

describe("drill: a link planted in a version folder never leaves the registry", { timeout: 10 * 60_000 }, () => {
    test("report.html -> /etc/shadow in versions/1: the export copies the regular files only", () => {
        const volume = registryVolume(
            "link",
            "mkdir -p /v/versions/1 && ln -s /etc/shadow /v/versions/1/report.html && echo 'body{}' > /v/versions/1/report.css",
        );
        const reports = fs.mkdtempSync(path.join(scratch, "reports-"));
        execFileSync("bash", [path.join(repoRoot, "scripts", "export-reports.sh"), image], {
            env: {
                ...process.env,
                ...exitStatusEnvironment(),
                ...modelContainerEnvironment(defaultContainerLimits),
                REGISTRY_VOLUME: volume,
                REPORTS_DIR: reports,
            },
            stdio: ["ignore", "ignore", "inherit"],
        });
        assert.deepEqual(fs.readdirSync(path.join(reports, "1")), ["report.css"]);
        assert.ok(fs.lstatSync(path.join(reports, "1", "report.css")).isFile());
    });
});
