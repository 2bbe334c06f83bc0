/**
 * scripts/model-service.sh, run with the environment the stack gives its command, against a docker on
 * PATH that records its calls and plays the engine and the service container (no Docker engine, no
 * serve.py: the service's own behaviour is tested in its image). The snippet it runs in the service
 * container is run here too, with this machine's python3, against a stand-in for the service's answer.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { CALLER_EXIT_STATUS, EXIT_STATUS } from "../../contracts/modelImage";
import { parseServedModel } from "../../contracts/modelService";
import { repoRoot } from "../support/paths";
import { localConfig } from "./support/stackModes";
import { resourceNamed, runStack } from "./support/stackHarness";
import { simulatedProviders } from "./support/simulatedProviders";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "model-service-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
const state = path.join(scratch, "engine");
const calls = path.join(scratch, "docker-calls");
const bin = path.join(scratch, "bin");
fs.mkdirSync(bin);

// The engine's state is a folder: `container` holds the label of the one container, `running` marks it running.
// FAKE_HEALTH, FAKE_POINTER (the version /registry/champion.json names, empty for none), FAKE_SERVED ("VERSION
// MODEL", empty for 503), FAKE_EXEC_ANSWERS (a file of answers, one per exec, the last one repeated), FAKE_EXEC_ERROR
// (the exec's last stderr line, when it fails), FAKE_ENGINE_DOWN and FAKE_NO_REGISTRY set how it behaves. `exec`
// answers as the script's snippet does inside the container: "POINTER VERSION MODEL", null for what is absent.
fs.writeFileSync(
    path.join(bin, "docker"),
    `#!/bin/bash
(IFS=$'\\x1f'; printf '%s\\0' "$*") >> "${calls}"
state="${state}"
[ -z "\${FAKE_ENGINE_DOWN:-}" ] || exit 1
case "$1 \${2:-}" in
  "version "*) echo 29.0.0 ;;
  "image inspect") [ "$3" != --format ] || echo sha256:fake-image-id ;;
  "volume inspect") [ -z "\${FAKE_NO_REGISTRY:-}" ] || exit 1 ;;
  "container inspect")
    [ -f "$state/container" ] || exit 1
    case "\${4:-}" in
      *Labels*) [ ! -f "$state/running" ] || cat "$state/container" ;;
      *Health*) echo "\${FAKE_HEALTH:-healthy}" ;;
    esac ;;
  "run "*)
    for arg in "$@"; do case "$arg" in adult-mlops.config=*) printf '%s\\n' "\${arg#*=}" > "$state/container" ;; esac; done
    touch "$state/running"; echo container-id ;;
  "stop "*) rm -f "$state/running" ;;
  "rm "*) rm -f "$state/container" ;;
  "exec "*)
    [ -z "\${FAKE_EXEC_ERROR:-}" ] || { echo "$FAKE_EXEC_ERROR" >&2; exit 1; }
    if [ -n "\${FAKE_EXEC_ANSWERS:-}" ]; then
      head -n 1 "$FAKE_EXEC_ANSWERS"
      [ "$(wc -l < "$FAKE_EXEC_ANSWERS")" -le 1 ] || sed -i 1d "$FAKE_EXEC_ANSWERS"
      exit 0
    fi
    pointer="\${FAKE_POINTER-2}" served="\${FAKE_SERVED-2 hgb}"
    echo "\${pointer:-null} \${served:-null null}" ;;
  "logs "*) printf 'Traceback (most recent call last):\\nerror: REGISTRY_DIR=/registry is not a folder\\n' ;;
esac
`,
    { mode: 0o755 },
);

function dockerCalls(): string[][] {
    return fs.existsSync(calls)
        ? fs
              .readFileSync(calls, "utf8")
              .split("\0")
              .slice(0, -1)
              .map((call) => call.split("\x1f"))
        : [];
}
const callsOf = (subcommand: string) => dockerCalls().filter((args) => args[0] === subcommand);

let stackEnvironment: Record<string, string>;

function runScript(action: string, overrides: Record<string, string> = {}) {
    fs.rmSync(calls, { force: true });
    return spawnSync("bash", [path.join(repoRoot, "scripts", "model-service.sh"), action], {
        encoding: "utf8",
        // Polled every 0.1 s: the waits are the timeouts' own, not the default 1 s steps.
        env: { PATH: `${bin}:${process.env.PATH}`, ...stackEnvironment, HEALTH_POLL_SECONDS: "0.1", ...overrides },
        timeout: 30_000,
    });
}

/** The arguments of the one `docker run` the last script run made. */
function runArguments(): string[] {
    const runs = callsOf("run");
    assert.equal(runs.length, 1, JSON.stringify(dockerCalls()));
    return runs[0];
}

const errorLines = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("error:"));

describe("scripts/model-service.sh", () => {
    before(async () => {
        const run = await runStack(localConfig, simulatedProviders);
        stackEnvironment = resourceNamed(run, "command:local:Command", "model-service-container").inputs.environment;
    });
    beforeEach(() => {
        fs.rmSync(state, { recursive: true, force: true });
        fs.mkdirSync(state);
    });

    it("starts the service with every model container's hardened flags and limits, from model-container.sh", () => {
        const result = runScript("start");
        assert.equal(result.status, 0, result.stderr);
        const args = runArguments().join(" ");
        for (const flag of [
            "--init",
            "--read-only",
            "--tmpfs /work:uid=10001,gid=10001,mode=0700",
            "--cap-drop ALL",
            "--security-opt no-new-privileges",
            `--memory ${stackEnvironment.MODEL_MEMORY_LIMIT} --memory-swap ${stackEnvironment.MODEL_MEMORY_LIMIT} --pids-limit ${stackEnvironment.MODEL_PIDS_LIMIT}`,
        ]) {
            assert.ok(args.includes(flag), `${flag} in ${args}`);
        }
        assert.doesNotMatch(args, /--network/, "the default bridge: its port must be published");
    });

    // Catches the service published on every interface, or given the registry to write.
    it("publishes it on 127.0.0.1 only, mounts the registry read-only and the request log read-write", () => {
        runScript("start");
        const args = runArguments();
        const valueOf = (flag: string) => args.flatMap((arg, i) => (arg === flag ? [args[i + 1]] : []));
        assert.deepEqual(valueOf("--publish"), ["127.0.0.1:8090:8080"]);
        assert.deepEqual(valueOf("--mount"), [
            "type=volume,source=adult-mlops-test-registry,target=/registry,readonly",
            "type=volume,source=adult-mlops-test-request-log,target=/requests",
        ]);
        assert.deepEqual(valueOf("--restart"), ["unless-stopped"]);
        assert.deepEqual(valueOf("--health-cmd"), ["python3 serve.py --check"]);
        assert.deepEqual(
            valueOf("--env"),
            stackEnvironment.SERVICE_ENV_VARS.split(" "),
            "exactly the service's variables",
        );
        assert.deepEqual(args.slice(-3), [stackEnvironment.MODEL_IMAGE, "python3", "serve.py"]);
        assert.deepEqual(valueOf("--name"), ["adult-mlops-test-model-service"]);
    });

    it("ends with the line the component parses: where it answers and the champion it serves", () => {
        const result = runScript("start");
        const lastLine = result.stdout.trimEnd().split("\n").pop() ?? "";
        assert.deepEqual(JSON.parse(lastLine), { url: "http://127.0.0.1:8090", version: 2, model: "hgb" });
        assert.deepEqual(parseServedModel(result.stdout), {
            url: "http://127.0.0.1:8090",
            servedModel: { version: 2, model: "hgb" },
        });
    });

    it("reports no champion as nulls when the registry has no champion pointer and the service none (503)", () => {
        const result = runScript("start", { FAKE_POINTER: "", FAKE_SERVED: "" });
        assert.equal(result.status, 0, result.stderr);
        assert.deepEqual(parseServedModel(result.stdout).servedModel, null);
    });

    // Catches the champion asked on the host's published port (another machine's for a remote engine) or read from the host.
    it("asks inside the container: the champion pointer where the registry is mounted, the service on its own port", () => {
        runScript("start");
        const [exec] = callsOf("exec");
        assert.deepEqual(
            [exec.slice(0, 4), exec.slice(5)],
            [
                ["exec", "adult-mlops-test-model-service", "python3", "-c"],
                [stackEnvironment.SERVE_PORT, "/registry/champion.json"],
            ],
        );
    });

    // The pipeline reran (a promotion, perhaps): the command is updated with a new PIPELINE_RUN_INPUTS, and the service follows the registry itself.
    it("keeps a running container started from the same image and arguments, whatever the pipeline run and the champion", () => {
        assert.match(stackEnvironment.PIPELINE_RUN_INPUTS, /^[0-9a-f]{64}$/, "the stack sets it");
        runScript("start");
        assert.equal(
            runArguments().some((arg) => arg.includes("PIPELINE_RUN_INPUTS")),
            false,
            "not handed to the container",
        );
        const again = runScript("start", {
            PIPELINE_RUN_INPUTS: "0".repeat(64),
            FAKE_POINTER: "3",
            FAKE_SERVED: "3 xgb",
        });
        assert.equal(again.status, 0, again.stderr);
        assert.deepEqual([callsOf("run"), callsOf("stop"), callsOf("rm")], [[], [], []], JSON.stringify(dockerCalls()));
        assert.deepEqual(parseServedModel(again.stdout).servedModel, { version: 3, model: "xgb" });
    });

    it("restarts it, stopping the old container first, when a setting it runs with changes", () => {
        runScript("start");
        const changed = runScript("start", { SERVE_MAX_ROWS: "500" });
        assert.equal(changed.status, 0, changed.stderr);
        const order = dockerCalls()
            .map((args) => args[0])
            .filter((subcommand) => ["stop", "rm", "run"].includes(subcommand));
        assert.deepEqual(order, ["stop", "rm", "run"]);
        assert.deepEqual(callsOf("stop")[0], ["stop", "--time", "10", "adult-mlops-test-model-service"]);
    });

    it("accepts a champion newer than the pointer's (a Jenkins chain promoted it since)", () => {
        const result = runScript("start", { FAKE_POINTER: "2", FAKE_SERVED: "5 xgb" });
        assert.equal(result.status, 0, result.stderr);
        assert.deepEqual(parseServedModel(result.stdout).servedModel, { version: 5, model: "xgb" });
    });

    // The service reads the pointer every SERVE_POLL_SECONDS: right after a promotion it still serves the old champion.
    it("waits while the service serves an older version than the pointer's", () => {
        const answers = path.join(scratch, "exec-answers");
        fs.writeFileSync(answers, "2 1 xgb\n2 1 xgb\n2 2 xgb\n");
        const result = runScript("start", { FAKE_EXEC_ANSWERS: answers, HEALTH_TIMEOUT_SECONDS: "20" });
        assert.equal(result.status, 0, result.stderr);
        assert.deepEqual(parseServedModel(result.stdout).servedModel, { version: 2, model: "xgb" });
        assert.equal(callsOf("exec").length, 3, "asked until it served the pointer's version");
    });

    it("fails with the service's status, its last log lines and one error line when it never becomes healthy", () => {
        const result = runScript("start", { FAKE_HEALTH: "starting", HEALTH_TIMEOUT_SECONDS: "2" });
        assert.equal(result.status, CALLER_EXIT_STATUS.serviceUnhealthy);
        assert.match(
            result.stderr,
            /the last 20 lines of docker logs adult-mlops-test-model-service:\n {2}Traceback \(most recent call last\):\n {2}error: REGISTRY_DIR/,
        );
        assert.deepEqual(errorLines(result.stderr), [
            "error: the prediction service adult-mlops-test-model-service is not healthy after 2 s (docker's health: starting); read its whole log with: docker logs adult-mlops-test-model-service",
        ]);
        assert.deepEqual(callsOf("logs")[0], ["logs", "--tail", "20", "adult-mlops-test-model-service"]);
    });

    it("fails naming the pointer's version and what it serves when it does not serve that version in time", () => {
        const older = runScript("start", { FAKE_POINTER: "2", FAKE_SERVED: "1 xgb", HEALTH_TIMEOUT_SECONDS: "1" });
        assert.equal(older.status, CALLER_EXIT_STATUS.serviceUnhealthy);
        assert.deepEqual(errorLines(older.stderr), [
            "error: the prediction service adult-mlops-test-model-service serves version 1 after 1 s, not version 2 (which the registry's champion pointer /registry/champion.json names) or a newer one; read its whole log with: docker logs adult-mlops-test-model-service",
        ]);
        const none = runScript("start", { FAKE_POINTER: "2", FAKE_SERVED: "", HEALTH_TIMEOUT_SECONDS: "1" });
        assert.equal(none.status, CALLER_EXIT_STATUS.serviceUnhealthy);
        assert.match(
            errorLines(none.stderr)[0],
            /serves no champion after 1 s, not version 2 \(which the registry's champion pointer/,
        );
    });

    it("fails saying why when the pointer or the service's answer cannot be read in time", () => {
        const result = runScript("start", {
            FAKE_EXEC_ERROR: "/registry/champion.json holds [], not a registry version",
            HEALTH_TIMEOUT_SECONDS: "1",
        });
        assert.equal(result.status, CALLER_EXIT_STATUS.serviceUnhealthy);
        assert.deepEqual(errorLines(result.stderr), [
            "error: the prediction service adult-mlops-test-model-service could not be asked what it serves after 1 s: /registry/champion.json holds [], not a registry version; read its whole log with: docker logs adult-mlops-test-model-service",
        ]);
    });

    it("refuses a timeout or a poll interval that is no number of seconds, starting nothing", () => {
        for (const [name, value] of [
            ["HEALTH_TIMEOUT_SECONDS", "0"],
            ["HEALTH_POLL_SECONDS", "soon"],
        ]) {
            const result = runScript("start", { [name]: value });
            assert.equal(result.status, EXIT_STATUS.badInput, result.stderr);
            assert.deepEqual(errorLines(result.stderr).length, 1, result.stderr);
            assert.match(result.stderr, new RegExp(`error: ${name}='${value}' is not a number of seconds`));
            assert.deepEqual(callsOf("run"), []);
        }
    });

    // registry-mount.sh: docker run would create an empty registry and the service would serve nothing.
    it("refuses to start without the registry volume, starting nothing", () => {
        const result = runScript("start", { FAKE_NO_REGISTRY: "1" });
        assert.equal(result.status, EXIT_STATUS.badRegistry);
        assert.match(result.stderr, /error: the model registry volume adult-mlops-test-registry does not exist/);
        assert.deepEqual(callsOf("run"), []);
    });

    it("stop stops and removes the container, and succeeds when there is none", () => {
        runScript("start");
        const stopped = runScript("stop");
        assert.equal(stopped.status, 0, stopped.stderr);
        assert.deepEqual(
            [callsOf("stop"), callsOf("rm")],
            [[["stop", "--time", "10", "adult-mlops-test-model-service"]], [["rm", "adult-mlops-test-model-service"]]],
        );
        const again = runScript("stop");
        assert.equal(again.status, 0, again.stderr);
        assert.deepEqual([callsOf("stop"), callsOf("rm")], [[], []]);
    });

    it("stop says so, and claims no success, when the engine does not answer", () => {
        const result = runScript("stop", { FAKE_ENGINE_DOWN: "1" });
        assert.equal(result.status, CALLER_EXIT_STATUS.engineUnreachable);
        assert.deepEqual(errorLines(result.stderr).length, 1, result.stderr);
        assert.match(result.stderr, /the prediction service adult-mlops-test-model-service was not stopped/);
    });

    it("refuses an unknown action", () => {
        const result = runScript("restart");
        assert.equal(result.status, 64);
        assert.match(result.stderr, /^usage: model-service\.sh start\|stop/);
    });

    // What the stand-in docker's exec plays: the snippet start hands `docker exec … python3 -c`, run with its arguments' meaning.
    describe("the snippet it runs inside the service container", () => {
        let snippet: string;
        let answer: { status: number; body: unknown } = { status: 503, body: {} };
        let port: number;
        const server = http.createServer((request, response) => {
            const known = request.url === "/v2/models/adult-income";
            response
                .writeHead(known ? answer.status : 404, { "Content-Type": "application/json" })
                .end(JSON.stringify(known ? answer.body : {}));
        });
        const pointerFile = path.join(scratch, "champion.json");

        before(async () => {
            fs.rmSync(state, { recursive: true, force: true });
            fs.mkdirSync(state);
            runScript("start");
            const exec = callsOf("exec")[0];
            assert.equal(exec[3], "-c");
            snippet = exec[4];
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            port = (server.address() as AddressInfo).port;
        });
        after(() => server.close());
        beforeEach(() => fs.rmSync(pointerFile, { force: true }));

        /** Runs the snippet against the stand-in on `port`, the pointer at pointerFile (async: the stand-in answers from this process). */
        function ask(onPort = port): Promise<{ status: number; stdout: string; stderr: string }> {
            return new Promise((resolve) => {
                // No proxy variables, as in the container: urllib would send the request for 127.0.0.1 through them.
                const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_proxy$/i.test(name)));
                execFile(
                    "python3",
                    ["-c", snippet, String(onPort), pointerFile],
                    { env, timeout: 20_000 },
                    (error, stdout, stderr) => resolve({ status: error ? Number(error.code) : 0, stdout, stderr }),
                );
            });
        }
        const lastLine = (text: string) => text.trimEnd().split("\n").pop();
        const serving = (version: unknown, model: unknown) => ({
            status: 200,
            body: { name: "adult-income", parameters: { served_version: version, model } },
        });

        it("answers null for every field without a pointer while the service answers 503", async () => {
            answer = { status: 503, body: { error: "no champion" } };
            assert.deepEqual(await ask(), { status: 0, stdout: "null null null\n", stderr: "" });
        });

        it("answers the pointer's version, then the version and model the service serves", async () => {
            fs.writeFileSync(pointerFile, JSON.stringify({ version: 3 }));
            answer = serving("3", "xgb");
            assert.deepEqual(await ask(), { status: 0, stdout: "3 3 xgb\n", stderr: "" });
            answer = { status: 503, body: {} };
            assert.deepEqual(
                await ask(),
                { status: 0, stdout: "3 null null\n", stderr: "" },
                "a pointer the service has not loaded yet",
            );
        });

        it('fails naming the file when the pointer is not {"version": N}', async () => {
            answer = serving("3", "xgb");
            for (const [content, reason] of [
                ['{"version": "3"}', "holds {'version': '3'}, not a registry version"],
                ['{"version": true}', "holds {'version': True}, not a registry version"],
                ["[3]", "holds [3], not a registry version"],
                ["{", "cannot be read: "],
            ]) {
                fs.writeFileSync(pointerFile, content);
                const result = await ask();
                assert.equal(result.status, 1, content);
                assert.ok(
                    lastLine(result.stderr)?.startsWith(`${pointerFile} ${reason}`),
                    `${content}: ${result.stderr}`,
                );
            }
        });

        it("fails naming the answer when the service answers otherwise, or not at all", async () => {
            answer = { status: 500, body: {} };
            assert.equal(lastLine((await ask()).stderr), "GET /v2/models/adult-income answered 500");
            answer = serving(3, "xgb");
            assert.match(
                lastLine((await ask()).stderr) ?? "",
                /^GET \/v2\/models\/adult-income: unexpected parameters \{'served_version': 3, 'model': 'xgb'\}$/,
            );
            const closed = await ask(1);
            assert.equal(closed.status, 1);
            assert.match(lastLine(closed.stderr) ?? "", /^GET \/v2\/models\/adult-income: URLError\(/);
        });
    });
});
