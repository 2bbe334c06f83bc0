/**
 * Registry drills, run for real in the model image (issue "The registry never lies"): a registry that
 * fills up at champion.json, a registry root owned by root with versions/ writable, a run killed or
 * stopped the moment versions/N appears (the registry's failpoint, not timing luck), and a champion
 * whose model file was replaced by a pickle that writes a file when it is loaded. After each, the
 * registry holds the old champion with the new version aborted, or the new champion, and nothing
 * from the registry ran.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { EXIT_STATUS } from "../../contracts/modelImage";
import { buildModelImage, testModelImageTag } from "../support/modelImage";
import { sharedDataDir } from "../support/paths";
import { docker, drillName } from "./support";

const image = testModelImageTag;
const volumes: string[] = [];

/** A fresh named volume the image's user (10001) may write to. */
function writableVolume(what: string): string {
    const volume = drillName(what);
    volumes.push(volume);
    assert.equal(docker(["volume", "create", volume]).status, 0);
    assert.equal(
        docker([
            "run",
            "--rm",
            "--network",
            "none",
            "--user",
            "0",
            "--mount",
            `type=volume,source=${volume},target=/v`,
            image,
            "chown",
            "10001:10001",
            "/v",
        ]).status,
        0,
    );
    return volume;
}

/** Runs `sh -c script` as root in a throwaway container with the volume at /registry, where model containers have it (to arrange or read a registry). */
function asRoot(volume: string, script: string): string {
    const run = docker([
        "run",
        "--rm",
        "--network",
        "none",
        "--user",
        "0",
        "--mount",
        `type=volume,source=${volume},target=/registry`,
        image,
        "sh",
        "-c",
        script,
    ]);
    assert.equal(run.status, 0, run.stderr);
    return run.stdout;
}

/** The gated run (hgb on the UCI training and test files) as a hardened model container, with `mounts` for the registry. */
function gatedRun(mounts: string[], extra: Record<string, string> = {}) {
    const env = { MODEL: "hgb", RAW_DATA_FILE: "adult.data", TEST_DATA_FILE: "adult.test", ...extra };
    return docker([
        "run",
        "--rm",
        "--network",
        "none",
        "--read-only",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--init",
        "--tmpfs",
        "/work:uid=10001,gid=10001,mode=0700",
        "--mount",
        `type=bind,source=${sharedDataDir},target=/data,readonly`,
        ...Object.entries(env).flatMap(([name, value]) => ["--env", `${name}=${value}`]),
        ...mounts,
        image,
        "python3",
        "pipeline.py",
    ]);
}

function errorLines(stderr: string): string[] {
    return stderr.split("\n").filter((line) => line.startsWith("error:"));
}

function metadata(volume: string, number: number): Record<string, unknown> {
    return JSON.parse(asRoot(volume, `cat /registry/versions/${number}/metadata.json`));
}

function champion(volume: string): unknown {
    return JSON.parse(asRoot(volume, "cat /registry/champion.json 2>/dev/null || echo null"));
}

before(() => buildModelImage());
after(() => volumes.forEach((volume) => docker(["volume", "rm", "--force", volume])));

describe("drills: the registry cannot be written, or the run dies while it promotes", { timeout: 30 * 60_000 }, () => {
    test("a registry that fills up at champion.json: exit 6 naming the registry; the version is aborted, no champion", () => {
        // /registry is a tmpfs with room for its root, .lock and the versions mount point only; versions/ is a volume with room.
        const versions = writableVolume("versions");
        const run = gatedRun([
            "--tmpfs",
            "/registry:nr_inodes=3,uid=10001,gid=10001,mode=0755",
            "--mount",
            `type=volume,source=${versions},target=/registry/versions`,
        ]);
        assert.equal(run.status, EXIT_STATUS.badRegistry, run.stderr);
        const lines = errorLines(run.stderr);
        assert.equal(lines.length, 1, run.stderr);
        assert.match(
            lines[0],
            /^error: \/registry: the model registry cannot be written \(\/registry\/champion\.json\): No space left on device; v1 was not promoted, the champion is unchanged/,
        );
        assert.doesNotMatch(run.stderr, /\/work\/model/);
        const recorded = JSON.parse(asRoot(versions, "cat /registry/1/metadata.json"));
        assert.equal(recorded.verdict, "aborted");
        assert.match(String(recorded.reason), /the champion pointer could not be written \(No space left on device\)/);
        assert.match(asRoot(versions, "cat /registry/1/report.html"), /v1 aborted/);
    });

    test("a registry root owned by root with versions/ writable: exit 6 naming the registry; the version is aborted", () => {
        const registry = writableVolume("root-owned");
        asRoot(
            registry,
            "mkdir -p /registry/versions && touch /registry/.lock && chown 10001:10001 /registry/versions /registry/.lock && chown 0:0 /registry && chmod 755 /registry",
        );
        const run = gatedRun(["--mount", `type=volume,source=${registry},target=/registry`]);
        assert.equal(run.status, EXIT_STATUS.badRegistry, run.stderr);
        assert.match(
            errorLines(run.stderr).join("\n"),
            /^error: \/registry: the model registry cannot be written \(\/registry\/champion\.json\): Permission denied; v1 was not promoted/,
        );
        assert.equal(metadata(registry, 1).verdict, "aborted");
        assert.equal(champion(registry), null);
    });

    test("SIGKILL the moment versions/N appears, then the next run: N aborted, N+1 the champion", () => {
        const registry = writableVolume("killed");
        const mount = ["--mount", `type=volume,source=${registry},target=/registry`];
        const killed = gatedRun(mount, { REGISTRY_FAILPOINT: "pending" });
        assert.equal(killed.status, 137, killed.stderr);
        assert.equal(metadata(registry, 1).verdict, "pending");
        assert.equal(champion(registry), null);
        const next = gatedRun(mount);
        assert.equal(next.status, EXIT_STATUS.ok, next.stderr);
        assert.match(next.stderr, /registry: v1 was left pending by a stopped run; settled as aborted/);
        assert.equal(metadata(registry, 1).verdict, "aborted");
        assert.match(asRoot(registry, "cat /registry/versions/1/report.html"), /v1 aborted/);
        assert.deepEqual(champion(registry), { version: 2 });
        assert.equal(metadata(registry, 2).verdict, "promoted");
    });

    test("SIGTERM the moment versions/N appears: the commit completes first, then the stopped status", () => {
        const registry = writableVolume("stopped");
        const run = gatedRun(["--mount", `type=volume,source=${registry},target=/registry`], {
            REGISTRY_FAILPOINT: "pending:SIGTERM",
        });
        assert.equal(run.status, EXIT_STATUS.stopped, run.stderr);
        assert.equal(errorLines(run.stderr).length, 1, run.stderr);
        assert.deepEqual(champion(registry), { version: 1 });
        assert.equal(metadata(registry, 1).verdict, "promoted");
    });

    test("a champion's model.joblib replaced by a pickle that writes a file: exit 6, and the file is never written", () => {
        const registry = writableVolume("planted");
        const mount = ["--mount", `type=volume,source=${registry},target=/registry`];
        assert.equal(gatedRun(mount).status, EXIT_STATUS.ok);
        const plant =
            "import pickle, sys\nclass P:\n    def __reduce__(self):\n        return (exec, (\"open('/registry/ran', 'w').write('ran')\",))\nsys.stdout.buffer.write(pickle.dumps(P()))";
        asRoot(registry, `python3 -c "${plant.replace(/"/g, '\\"')}" > /registry/versions/1/model.joblib`);
        const run = gatedRun(mount);
        assert.equal(run.status, EXIT_STATUS.badRegistry, run.stderr);
        assert.match(
            errorLines(run.stderr).join("\n"),
            /^error: champion v1 cannot be re-scored: .*model\.joblib: sha256 .* differs/,
        );
        assert.equal(asRoot(registry, "test -e /registry/ran && echo ran || echo clean").trim(), "clean");
        // the planted pickle really runs when unpickled: the proof that the refusal is what kept it from running
        asRoot(
            registry,
            "cd /app && python3 -c \"import joblib; joblib.load('/registry/versions/1/model.joblib')\" || true",
        );
        assert.equal(asRoot(registry, "test -e /registry/ran && echo ran || echo clean").trim(), "ran");
    });
});
