import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildModelImage } from "../support/modelImage";
import { freePort } from "../support/ports";
import { checkoutId, repoRoot, sharedDataDir } from "../support/paths";
import { CommandRun, realModelEffects } from "./support/realEffects";
import { runStack } from "./support/stackHarness";

/**
 * `pulumi up` under the mocks with real effects: the model image built, the gated run and the prediction
 * service's command run for real. The service the stack started is then held to issue 19's promises: no
 * training/serving skew on every row of adult.test, swaps without a failed request (a promotion by the
 * stack, and a corrupt version that is refused), clean 4xx for thousands of bad bodies, the metrics and the
 * request log.
 */
const stackName = `serve-${checkoutId}`;
const prefix = `adult-mlops-${stackName}`;
const registryVolume = `${prefix}-registry`;
const requestLogVolume = `${prefix}-request-log`;
const serviceContainer = `${prefix}-model-service`;
const requestLogMaxBytes = 65536;
const expectedPredictions = path.join(repoRoot, "test", "support", "expected_predictions.py");
const row = {
    age: 39,
    workclass: "State-gov",
    education: "Bachelors",
    "marital.status": "Never-married",
    occupation: "Adm-clerical",
    relationship: "Not-in-family",
    race: "White",
    sex: "Male",
    "capital.gain": 2174,
    "capital.loss": 0,
    "hours.per.week": 40,
    "native.country": "United-States",
};
const categorical = new Set([
    "workclass",
    "education",
    "marital.status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "native.country",
]);

type Columns = Record<string, (string | number)[]>;

function removeEverything(): void {
    spawnSync("docker", ["rm", "--force", serviceContainer]);
    for (const volume of [registryVolume, requestLogVolume]) {
        spawnSync("docker", ["volume", "rm", "--force", volume]);
    }
}

function tensors(columns: Columns) {
    return Object.entries(columns).map(([name, data]) => ({
        name,
        shape: [data.length],
        datatype: categorical.has(name) ? "BYTES" : "FP64",
        data,
    }));
}

function oneRow(): Columns {
    return Object.fromEntries(Object.entries(row).map(([name, value]) => [name, [value]]));
}

interface Answer {
    status: number;
    body: any;
    text: string;
}

async function call(
    url: string,
    init?: { method?: string; body?: string | Buffer; contentType?: string },
): Promise<Answer> {
    const headers: Record<string, string> = init?.contentType === undefined ? {} : { "content-type": init.contentType };
    const response = await fetch(url, { method: init?.method ?? "GET", body: init?.body, headers });
    const text = await response.text();
    let body: unknown = text;
    try {
        body = JSON.parse(text);
    } catch {
        // Prometheus' text format, or a body that is not JSON (which the assertions then show).
    }
    return { status: response.status, body, text };
}

function postJson(url: string, document: unknown): Promise<Answer> {
    return call(url, { method: "POST", body: JSON.stringify(document), contentType: "application/json" });
}

function metric(text: string, series: string): number {
    const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
    return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

function inVolume(volume: string, script: string, writable = false): string {
    return execFileSync(
        "docker",
        [
            "run",
            "--rm",
            "--network",
            "none",
            "--user",
            "0",
            "-v",
            `${volume}:/v${writable ? "" : ":ro"}`,
            buildModelImage(),
            "sh",
            "-c",
            script,
        ],
        {
            encoding: "utf8",
        },
    );
}

/** Requests in a loop, `clients` at a time, until `stop` resolves; each answer's status and model version. */
function requestLoop(url: string, clients: number, stop: Promise<unknown>) {
    const seen: { status: number; version: string | undefined }[] = [];
    let running = true;
    void stop.finally(() => (running = false));
    const client = async () => {
        while (running) {
            const answer = await postJson(`${url}/v2/models/adult-income/infer`, { inputs: tensors(oneRow()) });
            seen.push({ status: answer.status, version: answer.body?.model_version });
        }
    };
    return { seen, done: Promise.all(Array.from({ length: clients }, client)) };
}

async function waitFor(condition: () => Promise<boolean>, seconds: number, what: string): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
        if (await condition()) {
            return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.fail(`${what} within ${seconds} s`);
}

/** Both server processes answer with `version`: enough answers in a row (the kernel spreads connections over them). */
async function allServe(url: string, version: string): Promise<boolean> {
    const answers = await Promise.all(
        Array.from({ length: 16 }, () =>
            postJson(`${url}/v2/models/adult-income/infer`, { inputs: tensors(oneRow()) }),
        ),
    );
    return answers.every((answer) => answer.status === 200 && answer.body.model_version === version);
}

describe("the prediction service the stack starts beside the pipeline", { timeout: 30 * 60_000 }, () => {
    let url = "";
    let config: Record<string, string> = {};
    let serviceRun: CommandRun | undefined;

    before(async () => {
        removeEverything();
        execFileSync("docker", ["volume", "create", registryVolume], { stdio: "ignore" });
        config = {
            dataSource: sharedDataDir,
            servePort: String(await freePort()),
            requestLogSampleRate: "1",
            requestLogMaxBytes: String(requestLogMaxBytes),
        };
    });
    after(removeEverything);

    it("comes up serving the first champion, published on 127.0.0.1 only, hardened, the registry read-only", async () => {
        const runs: CommandRun[] = [];
        const stack = await runStack(config, realModelEffects(runs), { stack: stackName });
        url = stack.outputs.predictionUrl as string;
        assert.equal(url, `http://127.0.0.1:${config.servePort}`);
        assert.deepEqual(stack.outputs.servedModel, { version: 1, model: "xgb" });
        serviceRun = runs.find((run) => run.name === "model-service-container");
        assert.ok(serviceRun, "the service's command ran");

        const inspected = JSON.parse(
            execFileSync("docker", ["container", "inspect", serviceContainer], { encoding: "utf8" }),
        )[0];
        const host = inspected.HostConfig;
        assert.equal(inspected.Config.User, "10001:10001");
        assert.deepEqual(
            [host.ReadonlyRootfs, host.CapDrop, host.SecurityOpt, host.PidsLimit, host.Memory],
            [true, ["ALL"], ["no-new-privileges"], 256, 512 * 1024 ** 2],
        );
        assert.equal(host.NetworkMode === "host", false, "never the host's network");
        assert.deepEqual(host.PortBindings["8080/tcp"], [{ HostIp: "127.0.0.1", HostPort: config.servePort }]);
        const registryMount = inspected.Mounts.find(
            (mount: { Destination: string }) => mount.Destination === "/registry",
        );
        assert.deepEqual([registryMount.Name, registryMount.RW], [registryVolume, false]);
        assert.equal(inspected.State.Health.Status, "healthy");
    });

    it("answers every row of adult.test with exactly test.py's labels and its probabilities within 1e-9 (no training/serving skew)", async () => {
        const computed = JSON.parse(
            execFileSync(
                "docker",
                [
                    "run",
                    "--rm",
                    "--network",
                    "none",
                    "--read-only",
                    "--tmpfs",
                    "/work:uid=10001,gid=10001",
                    "-v",
                    `${sharedDataDir}:/data:ro`,
                    "-v",
                    `${registryVolume}:/registry:ro`,
                    "-v",
                    `${expectedPredictions}:/app/expected_predictions.py:ro`,
                    "-e",
                    "RAW_DATA_FILE=adult.data",
                    "-e",
                    "TEST_DATA_FILE=adult.test",
                    buildModelImage(),
                    "python3",
                    "expected_predictions.py",
                ],
                { encoding: "utf8", maxBuffer: 256 * 1024 ** 2 },
            ),
        ) as { rows: Columns; versions: Record<string, { labels: string[]; probabilities: number[] }> };
        const rows = computed.rows.age.length;
        assert.equal(rows, 16281, "every row of the official test file");
        const expected = computed.versions["1"];
        const labels: string[] = [];
        const probabilities: number[] = [];
        for (let start = 0; start < rows; start += 10_000) {
            const chunk = Object.fromEntries(
                Object.entries(computed.rows).map(([name, values]) => [name, values.slice(start, start + 10_000)]),
            );
            const answer = await postJson(`${url}/v2/models/adult-income/infer`, {
                id: `skew-${start}`,
                inputs: tensors(chunk),
            });
            assert.equal(answer.status, 200, answer.text.slice(0, 500));
            assert.deepEqual([answer.body.model_version, answer.body.id], ["1", `skew-${start}`]);
            const outputs = Object.fromEntries(
                answer.body.outputs.map((output: { name: string; data: unknown[] }) => [output.name, output.data]),
            );
            labels.push(...outputs.label);
            probabilities.push(...outputs.probability);
        }
        assert.deepEqual(labels, expected.labels);
        const worst = Math.max(...probabilities.map((p, i) => Math.abs(p - expected.probabilities[i])));
        assert.ok(worst <= 1e-9, `largest difference ${worst}`);
    });

    it("follows the stack's next promotion with no failed request and no restart", async () => {
        const startedAt = execFileSync(
            "docker",
            ["container", "inspect", "--format", "{{.State.StartedAt}}", serviceContainer],
            { encoding: "utf8" },
        );
        let finish!: () => void;
        const stop = new Promise<void>((resolve) => (finish = resolve));
        const loop = requestLoop(url, 4, stop);
        try {
            // The same data and model again: equal figures, so the rule promotes version 2.
            const second = await runStack(config, realModelEffects([]), { stack: stackName });
            assert.deepEqual(
                second.outputs.servedModel,
                { version: 2, model: "xgb" },
                "the command waited until version 2 was served",
            );
            assert.equal((second.outputs.champion as { version: number }).version, 2);
            await waitFor(() => allServe(url, "2"), 30, "both server processes serve version 2");
        } finally {
            finish();
            await loop.done;
        }
        const failed = loop.seen.filter((answer) => answer.status !== 200);
        assert.deepEqual(failed, [], "every request during the promotion succeeded");
        const versions = new Set(loop.seen.map((answer) => answer.version));
        assert.deepEqual(
            [...versions].sort(),
            ["1", "2"],
            `answers came from version 1, then 2 (${loop.seen.length} requests)`,
        );
        assert.equal(loop.seen.at(-1)?.version, "2");
        assert.equal(
            execFileSync("docker", ["container", "inspect", "--format", "{{.State.StartedAt}}", serviceContainer], {
                encoding: "utf8",
            }),
            startedAt,
            "not restarted",
        );
    });

    it("keeps serving the old version when the new champion is corrupt, says why once per process and counts it", async () => {
        const failuresBefore = metric((await call(`${url}/metrics`)).text, "adult_model_swap_failures_total");
        // Version 3: version 2's files with its model damaged, and the pointer moved to it as a promotion would.
        inVolume(
            registryVolume,
            `set -e; cd /v/versions; cp -a 2 .staging-3; cd .staging-3
             python3 -c 'import json; m = json.load(open("metadata.json")); m["version"] = 3; json.dump(m, open("metadata.json", "w"))'
             printf 'damaged' > model.ubj; cd ..; mv .staging-3 3; chown -R 10001:10001 3
             printf '{"version": 3}' > /v/champion.json.tmp; mv /v/champion.json.tmp /v/champion.json`,
            true,
        );
        let finish!: () => void;
        const stop = new Promise<void>((resolve) => (finish = resolve));
        const loop = requestLoop(url, 2, stop);
        try {
            await waitFor(
                async () =>
                    metric((await call(`${url}/metrics`)).text, "adult_model_swap_failures_total") >=
                    failuresBefore + 2,
                20,
                "both processes refused version 3",
            );
            await new Promise((resolve) => setTimeout(resolve, 2000));
        } finally {
            finish();
            await loop.done;
        }
        assert.ok(
            loop.seen.length > 0 && loop.seen.every((answer) => answer.status === 200 && answer.version === "2"),
            "version 2 answered every request",
        );
        const logs = spawnSync("docker", ["logs", serviceContainer], { encoding: "utf8" });
        const lines = `${logs.stdout}${logs.stderr}`
            .split("\n")
            .filter((line) => line.includes("could not serve version 3"));
        assert.equal(lines.length, 2, `one line per server process:\n${lines.join("\n")}`);
        assert.match(lines[0], /model\.ubj: sha256 .* differs .*; still serving version 2$/);
        assert.equal(
            metric((await call(`${url}/metrics`)).text, "adult_model_swap_failures_total"),
            failuresBefore + 2,
            "not retried",
        );
        inVolume(
            registryVolume,
            `printf '{"version": 2}' > /v/champion.json.tmp && mv /v/champion.json.tmp /v/champion.json && rm -rf /v/versions/3`,
            true,
        );
    });

    it("answers thousands of random and malformed bodies with a clean 4xx, never the payload, and stays up and right", async () => {
        const marker = "echo-marker-5d1e";
        const good = { inputs: tensors(oneRow()) };
        const reference = await postJson(`${url}/v2/models/adult-income/infer`, good);
        let seed = 19;
        const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
        const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
        const junk = (): unknown =>
            pick<() => unknown>([
                () => marker,
                () => -1e308 * 10,
                () => 1e39,
                () => -3,
                () => null,
                () => true,
                () => [marker],
                () => ({ [marker]: 1 }),
                () => "",
            ])();
        const mutations: (() => { path: string; body: string | Buffer; contentType: string })[] = [
            () => ({
                path: "/invocations",
                body: JSON.stringify({ dataframe_records: [{ ...row, [pick(Object.keys(row))]: junk() }] }),
                contentType: "application/json",
            }),
            () => ({
                path: "/invocations",
                body: JSON.stringify({
                    dataframe_split: {
                        columns: Object.keys(row),
                        data: [[...Object.values(row).slice(0, 11), junk()]],
                    },
                }),
                contentType: "application/json",
            }),
            () => {
                const inputs = tensors(oneRow()).map((tensor) =>
                    random() < 0.3 ? { ...tensor, [pick(["shape", "datatype", "data", "name"])]: junk() } : tensor,
                );
                return {
                    path: "/v2/models/adult-income/infer",
                    body: JSON.stringify({ inputs: random() < 0.2 ? inputs.slice(1) : inputs }),
                    contentType: "application/json",
                };
            },
            () => {
                const text = JSON.stringify({ inputs: tensors(oneRow()), id: marker });
                return {
                    path: "/v2/models/adult-income/infer",
                    body: text.slice(0, Math.floor(random() * text.length)),
                    contentType: "application/json",
                };
            },
            () => ({
                path: "/invocations",
                body: Buffer.from(Array.from({ length: 64 }, () => Math.floor(random() * 256))),
                contentType: pick(["application/json", "text/csv", "application/octet-stream"]),
            }),
            () => ({
                path: pick(["/v2/models/adult-income/versions/99/infer", `/v2/models/${marker}/infer`]),
                body: JSON.stringify(good),
                contentType: "application/json",
            }),
            () => ({
                path: "/invocations",
                body: JSON.stringify({ [pick(["instances", "inputs", "dataframe_split", marker])]: junk() }),
                contentType: "application/json",
            }),
        ];
        const statuses = new Map<number, number>();
        const problems: string[] = [];
        const cases = Array.from({ length: 3000 }, () => pick(mutations)());
        for (let start = 0; start < cases.length; start += 16) {
            const answers = await Promise.all(
                cases
                    .slice(start, start + 16)
                    // A dropped connection is an unclean answer too (status 0).
                    .map((request) =>
                        call(`${url}${request.path}`, {
                            method: "POST",
                            body: request.body,
                            contentType: request.contentType,
                        }).catch((error) => ({ status: 0, body: {}, text: String(error) })),
                    ),
            );
            for (const answer of answers) {
                statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
                const clean =
                    answer.status === 200 ||
                    ([400, 404, 413, 415].includes(answer.status) &&
                        Object.keys(answer.body).sort().join() === "details,error");
                if (
                    !clean ||
                    answer.text.includes("Traceback") ||
                    (answer.status !== 200 &&
                        answer.text.includes(marker) &&
                        !answer.text.includes(`"input":"${marker}"`))
                ) {
                    problems.push(`${answer.status} ${answer.text.slice(0, 300)}`);
                }
            }
        }
        assert.deepEqual(problems.slice(0, 5), [], `unclean answers (${problems.length})`);
        assert.ok((statuses.get(400) ?? 0) > 1000, `mostly 400s: ${JSON.stringify([...statuses])}`);
        assert.equal((await call(`${url}/v2/health/ready`)).status, 200);
        const again = await postJson(`${url}/v2/models/adult-income/infer`, good);
        assert.deepEqual(again.body.outputs, reference.body.outputs, "the same answer as before the barrage");
    });

    it("counts requests by endpoint and status, latency, rows, the served version and the swaps in /metrics", async () => {
        const text = (await call(`${url}/metrics`)).text;
        assert.ok(metric(text, 'adult_requests_total{endpoint="infer",status="200"}') > 100);
        assert.ok(metric(text, 'adult_requests_total{endpoint="invocations",status="400"}') > 100);
        assert.ok(
            metric(text, 'adult_request_duration_seconds_count{endpoint="infer"}') >=
                metric(text, 'adult_requests_total{endpoint="infer",status="200"}'),
        );
        assert.ok(metric(text, "adult_rows_predicted_total") >= 16281);
        assert.equal(metric(text, "adult_served_model_version"), 2);
        assert.equal(metric(text, "adult_model_swaps_total"), 4, "versions 1 and 2, in each of the two processes");
        assert.equal(metric(text, "adult_model_swap_failures_total"), 2);
        assert.ok(metric(text, "adult_request_log_records_total") > 100);
    });

    it("keeps a sampled request log of inputs and outputs on its own volume, rotated, within requestLogMaxBytes", () => {
        const listing = inVolume(requestLogVolume, "cd /v && stat -c '%n %s' * && tail -q -n 1 requests-*.jsonl");
        const lines = listing.trim().split("\n");
        const files: Record<string, string> = Object.fromEntries(
            lines.filter((line) => !line.startsWith("{")).map((line) => line.split(" ")),
        );
        for (const name of Object.keys(files)) {
            assert.match(name, /^requests-[01]\.(jsonl|jsonl\.1|lock)$/);
        }
        assert.ok(
            Object.keys(files).some((name) => name.endsWith(".jsonl.1")),
            "rotated",
        );
        const total = Object.values(files).reduce((sum, size) => sum + Number(size), 0);
        assert.ok(total <= requestLogMaxBytes, `${total} bytes`);
        const record = JSON.parse(lines.find((line) => line.startsWith("{")) ?? "{}");
        assert.deepEqual(Object.keys(record.inputs).sort(), Object.keys(row).sort());
        assert.deepEqual(Object.keys(record.outputs).sort(), ["label", "probability"]);
        assert.equal(record.model_version, 2);
    });

    it("is stopped and removed by its delete command, as pulumi destroy runs it", () => {
        assert.ok(serviceRun);
        const stopped = spawnSync("/bin/sh", ["-c", "bash scripts/model-service.sh stop"], {
            cwd: repoRoot,
            env: { ...process.env, ...serviceRun.environment },
            encoding: "utf8",
        });
        assert.equal(stopped.status, 0, stopped.stderr);
        assert.equal(
            spawnSync("docker", ["container", "inspect", serviceContainer]).status,
            1,
            "the container is gone",
        );
    });
});
