/**
 * The controller image from jenkins/Dockerfile, built on the Jenkins stand-in (jenkins/standin/: the
 * official image's contract, no Jenkins) and run the way the Pulumi program runs it: the files the
 * program uploads (read from its registration under the mocks: the rendered JCasC, the job files, the
 * secrets with their owner and mode) placed by the archive the docker provider sends, a JENKINS_HOME
 * volume, the program's health check command. What this proves and what it cannot: jenkins/standin/README.md.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { CASC_PATH, SECRET_NAMES, SECRETS_DIR } from "../../jenkins/settings";
import { repoRoot } from "../support/paths";
import { gitHubConfig, gitHubSecretKeys, localConfig } from "../stack/support/stackModes";
import { docker, uniqueName } from "./agent";
import {
    buildController,
    buildStandin,
    ContainerState,
    controllerOnStandinTag,
    ControllerInputs,
    copyArchive,
    HealthProbe,
    instant,
    logsOf,
    programController,
    sleep,
    stateOf,
    timestampedLogs,
    Upload,
    uploadArchive,
} from "./standin";

const resolvedLine = /JCasC: all (\d+) references resolved/;
const listeningLine = /listening on port 8080/;

/** A pre-signed URL (its query string is the access): the program hands it to Jenkins as a secret file. */
const signedUrlConfig = {
    ...gitHubConfig,
    dataSource: "https://data.example.org/adult.zip?X-Amz-Signature=not-a-real-signature",
};

/** The `${name}`s of the JCasC the program uploads (escaped `^${...}` are literals). */
function referencedNames(inputs: ControllerInputs): string[] {
    const casc = inputs.uploads.find((upload) => upload.file === CASC_PATH);
    assert.ok(casc, `the program uploads no ${CASC_PATH}`);
    return [...new Set([...casc.content.matchAll(/(?<!\^)\$\{([^}]*)\}/g)].map((match) => match[1]))].sort();
}

const secretUploads = (inputs: ControllerInputs) =>
    inputs.uploads.filter((upload) => upload.file.startsWith(`${SECRETS_DIR}/`));
const uploadedSecrets = (inputs: ControllerInputs) =>
    secretUploads(inputs)
        .map((upload) => path.posix.basename(upload.file))
        .sort();
const without = (inputs: ControllerInputs, secret: string) =>
    inputs.uploads.filter((upload) => upload.file !== `${SECRETS_DIR}/${secret}`);

/** Every reference of the uploaded JCasC is named in the stand-in's log as read from its secret file. */
function assertResolvedFromFiles(inputs: ControllerInputs, logs: string): void {
    const names = referencedNames(inputs);
    assert.ok(names.length > 0);
    for (const name of names) {
        assert.match(
            logs,
            new RegExp(`\\$\\{${name}\\} <- file ${SECRETS_DIR}/${name}\\b`),
            `\${${name}} was not read from ${SECRETS_DIR}/${name}:\n${logs}`,
        );
    }
}

describe("the controller image on the Jenkins stand-in", { timeout: 15 * 60_000 }, () => {
    let standin = "";
    let controllerBuildOutput = "";
    let github: ControllerInputs;
    let local: ControllerInputs;
    let signedUrl: ControllerInputs;
    const containers: string[] = [];
    const volumes: string[] = [];

    before(async () => {
        standin = buildStandin();
        controllerBuildOutput = buildController(standin);
        github = await programController(gitHubConfig, gitHubSecretKeys);
        local = await programController(localConfig);
        signedUrl = await programController(signedUrlConfig, [...gitHubSecretKeys, "dataSource"]);
    });
    after(() => {
        for (const container of containers) docker(["rm", "--force", "--volumes", container]);
        for (const volume of volumes) docker(["volume", "rm", "--force", volume]);
        docker(["image", "rm", controllerOnStandinTag]);
    });

    interface Boot {
        uploads: Upload[];
        ownerHonoured?: boolean;
        env?: Record<string, string>;
        /** The program's restart policy, unless a test must see the first exit as it is. */
        restart?: string;
    }

    /**
     * Creates the controller container as the program does (its JENKINS_HOME volume, its health check
     * command, timeout, retries and start period, its restart policy), uploads the files before the start
     * as the provider does, and starts it. Differences, for the test's sake: the port is published on an
     * ephemeral 127.0.0.1 port, not 8080, and probes run every second instead of every 10 s.
     */
    function boot(
        inputs: ControllerInputs,
        { uploads, ownerHonoured = true, env = {}, restart = inputs.restart }: Boot,
    ): string {
        const name = uniqueName("adult-mlops-standin-controller");
        const home = `${name}-home`;
        assert.equal(docker(["volume", "create", home]).status, 0);
        volumes.push(home);
        const [kind, command] = inputs.healthcheck.tests;
        assert.equal(kind, "CMD-SHELL");
        const [jenkinsHome] = inputs.volumes;
        const create = docker([
            "create",
            "--name",
            name,
            "--restart",
            restart,
            "--publish",
            `127.0.0.1::${inputs.ports[0].internal}`,
            "--volume",
            `${home}:${jenkinsHome.containerPath}`,
            "--health-cmd",
            command,
            "--health-interval",
            "1s",
            "--health-timeout",
            inputs.healthcheck.timeout,
            "--health-retries",
            String(inputs.healthcheck.retries),
            "--health-start-period",
            inputs.healthcheck.startPeriod,
            ...Object.entries(env).flatMap(([key, value]) => ["--env", `${key}=${value}`]),
            controllerOnStandinTag,
        ]);
        assert.equal(create.status, 0, create.stderr);
        containers.push(name);
        const copy = copyArchive(name, uploadArchive(uploads, { ownerHonoured }));
        assert.equal(copy.status, 0, copy.stderr);
        const start = docker(["start", name]);
        assert.equal(start.status, 0, start.stderr);
        return name;
    }

    /** Polls the container until it is healthy, stopped or restarted by its policy (or the deadline); returns every health probe seen and the last state. */
    async function watch(
        container: string,
        seconds: number,
    ): Promise<{ state: ContainerState; probes: HealthProbe[] }> {
        const probes = new Map<string, HealthProbe>();
        const deadline = Date.now() + seconds * 1000;
        let state = stateOf(container);
        while (true) {
            for (const probe of state.Health?.Log ?? []) probes.set(probe.Start, probe);
            if (state.Health?.Status === "healthy" || !state.Running || state.RestartCount > 0 || Date.now() > deadline)
                break;
            await sleep(250);
            state = stateOf(container);
        }
        return { state, probes: [...probes.values()].sort((a, b) => instant(a.Start) - instant(b.Start)) };
    }

    function assertHealthy(container: string, state: ContainerState): void {
        const why =
            state.RestartCount > 0
                ? `it stopped and was restarted (${state.RestartCount}) by its restart policy`
                : `health ${state.Health?.Status}, running ${state.Running}`;
        assert.equal(
            state.Health?.Status,
            "healthy",
            `${container} is not healthy: ${why}; its log:\n${logsOf(container)}`,
        );
    }

    /**
     * Boots a container that must not come up: with the boot delay, so that the health check runs while
     * the stand-in has not yet read the secrets (no restart policy, the first exit is the one to see).
     * Returns its exit status and logs once it has stopped, after checking that probes ran and none passed.
     */
    async function failedBoot(
        inputs: ControllerInputs,
        placement: Omit<Boot, "restart" | "env">,
    ): Promise<{ state: ContainerState; logs: string }> {
        const container = boot(inputs, { ...placement, restart: "no", env: { STANDIN_BOOT_DELAY_SECONDS: "3" } });
        const { state, probes } = await watch(container, 30);
        const logs = logsOf(container);
        assert.deepEqual(
            probes.filter((probe) => probe.ExitCode === 0),
            [],
            `a health probe passed although the boot must fail:\n${logs}`,
        );
        assert.notEqual(state.Health?.Status, "healthy");
        assert.equal(state.Running, false, `${container} still runs after 30 s:\n${logs}`);
        assert.ok(
            probes.length > 0,
            "no health probe ran before the container stopped: 'never healthy' was not observed",
        );
        assert.doesNotMatch(logs, listeningLine);
        return { state, logs };
    }

    test("has the official image's user, paths, volume and entrypoint, and curl for the health check", () => {
        const inspect = docker(["image", "inspect", "--format", "{{json .Config}}", controllerOnStandinTag]);
        const config = JSON.parse(inspect.stdout);
        assert.equal(config.User, "jenkins");
        assert.deepEqual(config.Entrypoint, ["/usr/bin/tini", "--", "/usr/local/bin/jenkins.sh"]);
        assert.ok("/var/jenkins_home" in config.Volumes, JSON.stringify(config.Volumes));
        assert.ok(
            config.Env.includes("JENKINS_HOME=/var/jenkins_home") && config.Env.includes("REF=/usr/share/jenkins/ref"),
            config.Env.join(" "),
        );
        const probe = docker([
            "run",
            "--rm",
            controllerOnStandinTag,
            "bash",
            "-c",
            "id -u; id -g; id -un; getent passwd jenkins | cut -d: -f6; stat -c %u:%g /var/jenkins_home /usr/share/jenkins/ref; command -v curl",
        ]);
        assert.equal(probe.status, 0, probe.stderr);
        assert.deepEqual(probe.stdout.trim().split("\n"), [
            "1000",
            "1000",
            "jenkins",
            "/var/jenkins_home",
            "1000:1000",
            "1000:1000",
            "/usr/bin/curl",
        ]);
    });

    test("jenkins-plugin-cli checked the project's plugins.txt during the build and installed nothing", () => {
        const pinned = fs
            .readFileSync(path.join(repoRoot, "jenkins", "plugins.txt"), "utf8")
            .trim()
            .split("\n").length;
        assert.match(
            controllerBuildOutput,
            new RegExp(`checked the syntax only, installed nothing: ${pinned} plugins`),
        );
    });

    test("the Dockerfile's plugin step fails the build on an invalid plugins.txt line, naming its number and content", () => {
        const step = fs
            .readFileSync(path.join(repoRoot, "jenkins", "Dockerfile"), "utf8")
            .match(/^RUN (jenkins-plugin-cli .*)$/m);
        assert.ok(step, "jenkins/Dockerfile has no jenkins-plugin-cli step");
        const lines = fs
            .readFileSync(path.join(repoRoot, "jenkins", "plugins.txt"), "utf8")
            .trim()
            .split("\n");
        const broken = [...lines.slice(0, 2), "credentials", ...lines.slice(3)].join("\\n");
        // One RUN on the stand-in, no context: a failed step leaves no image and (--force-rm) no container.
        const dockerfile = `FROM ${standin}\nRUN printf '${broken}\\n' > /usr/share/jenkins/ref/plugins.txt && ${step[1]}\n`;
        // Tagged so that a build that wrongly passes leaves no image behind either.
        const tag = `${controllerOnStandinTag}-plugin-check`;
        const build = docker(["build", "--force-rm", "--tag", tag, "-"], dockerfile);
        docker(["image", "rm", tag]);
        assert.notEqual(build.status, 0, "the build passed with an unpinned plugin line");
        assert.match(`${build.stdout}${build.stderr}`, /plugins\.txt:3: invalid plugin line 'credentials'/);
    });

    test("GitHub mode: the health check fails until every secret resolved as uid 1000, then passes", async () => {
        const container = boot(github, { uploads: github.uploads, env: { STANDIN_BOOT_DELAY_SECONDS: "3" } });
        const { state, probes } = await watch(container, 60);
        const logs = timestampedLogs(container);
        const resolved = logs.find(({ line }) => resolvedLine.test(line));
        // The engine stamps a line when it reads it; the port opens just after the line is written.
        const resolvedAt = resolved === undefined ? Infinity : resolved.at - 500;
        const before = probes.filter((probe) => instant(probe.End) < resolvedAt);
        assert.deepEqual(
            before.filter((probe) => probe.ExitCode === 0),
            [],
            `a health probe passed before the secrets were resolved:\n${logsOf(container)}`,
        );
        assertHealthy(container, state);
        assert.ok(resolved, logsOf(container));
        assert.ok(before.length > 0, "no probe ran before the secrets were resolved: the ordering was not observed");
        const text = logs.map(({ line }) => line).join("\n");
        assert.match(text, /running as uid 1000 \(jenkins\), gid 1000/);
        assert.deepEqual(referencedNames(github), uploadedSecrets(github));
        assertResolvedFromFiles(github, text);
    });

    test("GitHub mode: /login answers 200 on the published port, the job files are in JENKINS_HOME", async () => {
        const container = containers[containers.length - 1];
        const port = docker(["port", container, "8080/tcp"]).stdout.trim().split("\n")[0];
        assert.match(port, /^127\.0\.0\.1:\d+$/);
        assert.equal((await fetch(`http://${port}/login`)).status, 200);
        // The official entrypoint copies REF/jobs/NAME/config.xml.override to JENKINS_HOME/jobs/NAME/config.xml at every start.
        const jobs = github.uploads.filter((upload) => upload.file.endsWith("/config.xml.override"));
        assert.equal(jobs.length, 4);
        for (const job of jobs) {
            const target = job.file.replace("/usr/share/jenkins/ref/", "/var/jenkins_home/").replace(/\.override$/, "");
            const copied = docker(["exec", container, "cat", target]);
            assert.equal(copied.status, 0, `${target}: ${copied.stderr}`);
            assert.equal(copied.stdout, job.content, target);
        }
    });

    test("GitHub mode: docker stop -t 10 ends it at once with a clean status (SIGTERM through tini)", () => {
        const container = containers[containers.length - 1];
        const started = Date.now();
        const stop = docker(["stop", "-t", "10", container]);
        const seconds = (Date.now() - started) / 1000;
        assert.equal(stop.status, 0, stop.stderr);
        const state = stateOf(container);
        assert.ok(
            [0, 143].includes(state.ExitCode),
            `exit status ${state.ExitCode} (137: killed after the grace period)`,
        );
        assert.ok(seconds < 3, `docker stop took ${seconds} s of its 10 s grace period`);
        assert.match(logsOf(container), /SIGTERM received, stopping/);
    });

    test("local mode, the upload owner ignored by the provider (root's files): the secrets are still jenkins' to read", async () => {
        const container = boot(local, { uploads: local.uploads, ownerHonoured: false });
        const { state } = await watch(container, 60);
        assertHealthy(container, state);
        assert.deepEqual(uploadedSecrets(local), [SECRET_NAMES.adminPassword, SECRET_NAMES.agentSshKey].sort());
        assertResolvedFromFiles(local, logsOf(container));
        const listing = docker([
            "exec",
            container,
            "stat",
            "-c",
            "%u:%g %a %n",
            SECRETS_DIR,
            ...secretUploads(local).map((upload) => upload.file),
        ]);
        assert.match(listing.stdout, /^1000:1000 700 \/run\/secrets\n0:0 444 .*\n0:0 444 /);
    });

    test("a signed data URL: every secret the JCasC references, its URL's too, is uploaded and resolves", async () => {
        assert.ok(
            referencedNames(signedUrl).includes(SECRET_NAMES.dataUrl),
            "the JCasC no longer reads the signed URL from a secret file",
        );
        const container = boot(signedUrl, { uploads: signedUrl.uploads });
        const { state } = await watch(container, 60);
        assertHealthy(container, state);
        assertResolvedFromFiles(signedUrl, logsOf(container));
    });

    test("GitHub mode, each uploaded secret left out in turn: exits non-zero naming it, never healthy", async (t) => {
        assert.equal(uploadedSecrets(github).length, 4);
        for (const secret of uploadedSecrets(github)) {
            await t.test(`without ${SECRETS_DIR}/${secret}`, async () => {
                const { state, logs } = await failedBoot(github, { uploads: without(github, secret) });
                assert.notEqual(state.ExitCode, 0, logs);
                assert.match(
                    logs,
                    new RegExp(
                        `\\$\\{${secret}\\}: Unable to resolve variable '${secret}'.*no file ${SECRETS_DIR}/${secret}`,
                    ),
                );
            });
        }
    });

    test("a secret file uid 1000 cannot read (mode 0400, root's): exits non-zero naming it, never healthy", async () => {
        const unreadable = github.uploads.map((upload) =>
            upload.file === `${SECRETS_DIR}/${SECRET_NAMES.adminPassword}`
                ? { ...upload, permissions: "0400" }
                : upload,
        );
        const { state, logs } = await failedBoot(github, { uploads: unreadable, ownerHonoured: false });
        assert.notEqual(state.ExitCode, 0, logs);
        assert.match(
            logs,
            new RegExp(
                `\\$\\{${SECRET_NAMES.adminPassword}\\}: cannot read the secret file ${SECRETS_DIR}/${SECRET_NAMES.adminPassword} as uid 1000 \\(jenkins\\).*Permission denied \\(owner 0:0, mode 0400\\)`,
            ),
        );
    });

    // Why jenkins/Dockerfile sets CASC_STRICT_SECRET_RESOLUTION: without it JCasC (SecretSourceResolver.UnresolvedLookup)
    // logs a warning and configures an empty string, and Jenkins comes up healthy with an empty admin password.
    test("with JCasC's default (strict resolution off) a missing secret is only a warning and the controller comes up", async () => {
        const container = boot(github, {
            uploads: without(github, SECRET_NAMES.adminPassword),
            env: { CASC_STRICT_SECRET_RESOLUTION: "false" },
        });
        const { state } = await watch(container, 60);
        assertHealthy(container, state);
        assert.match(
            logsOf(container),
            new RegExp(
                `WARNING: .*Found unresolved variable '${SECRET_NAMES.adminPassword}'. Will default to empty string`,
            ),
        );
    });
});

/** JCasC's reference syntax as the stand-in resolves it (configuration-as-code 2117.vc05a_0b_e6b_f4e, SecretSourceResolver.java). */
describe("the stand-in's JCasC secret resolution", { timeout: 5 * 60_000 }, () => {
    let standin = "";
    before(() => {
        standin = buildStandin();
    });

    /** Runs casc_secrets.py as jenkins on `yaml`, with a secrets folder made by `setup` (shell, in it). */
    function resolve(yaml: string, setup: string, env: Record<string, string> = {}) {
        const script = `set -e; mkdir -p /tmp/secrets && cd /tmp/secrets && ${setup}; cat > /tmp/casc.yaml; exec python3 /usr/share/jenkins/standin/casc_secrets.py /tmp/casc.yaml`;
        const envArgs = Object.entries({ SECRETS: "/tmp/secrets", ...env }).flatMap(([key, value]) => [
            "--env",
            `${key}=${value}`,
        ]);
        return docker(["run", "--rm", "-i", ...envArgs, "--entrypoint", "bash", standin, "-c", script], yaml);
    }

    test("files, environment, system properties, defaults, escapes and values resolved again; keys never", () => {
        const yaml = [
            "file: ${present}",
            'escaped: "^${absent}"',
            "defaulted: ${absent:-fallback}",
            "fromEnv: ${FROM_ENV}",
            "fromProperty: ${fromProperty}",
            "again: ${nested}",
            '"${notAKey}": plain',
            "list: [x, '${present}']",
            "",
        ].join("\n");
        const result = resolve(yaml, "printf ' value\\n' > present; printf '${present}' > nested", {
            FROM_ENV: "x",
            JAVA_OPTS: "-DfromProperty=y",
        });
        assert.equal(result.status, 0, result.stderr);
        const lines = result.stdout.trim().split("\n");
        assert.deepEqual(lines, [
            "jcasc: /tmp/casc.yaml: file: ${present} <- file /tmp/secrets/present",
            "jcasc: /tmp/casc.yaml: escaped: escaped only <- escaped (literal)",
            "jcasc: /tmp/casc.yaml: defaulted: ${absent:-fallback} <- defaults/helpers only",
            "jcasc: /tmp/casc.yaml: fromEnv: ${FROM_ENV} <- environment variable FROM_ENV",
            "jcasc: /tmp/casc.yaml: fromProperty: ${fromProperty} <- system property fromProperty",
            "jcasc: /tmp/casc.yaml: again: ${nested} <- file /tmp/secrets/nested; file /tmp/secrets/present",
            "jcasc: /tmp/casc.yaml: list[1]: ${present} <- file /tmp/secrets/present",
        ]);
        assert.equal(result.stderr, "");
    });

    test("an unresolved reference: a warning (JCasC's default), an error in strict mode", () => {
        const lenient = resolve("password: ${absent}\n", "true");
        assert.equal(lenient.status, 0, lenient.stderr);
        assert.match(lenient.stderr, /WARNING: .*Found unresolved variable 'absent'\. Will default to empty string/);
        const strict = resolve("password: ${absent}\n", "true", { CASC_STRICT_SECRET_RESOLUTION: "true" });
        assert.equal(strict.status, 1);
        assert.match(
            strict.stderr,
            /password: \$\{absent\}: Unable to resolve variable 'absent'\. Aborting configuration reload\. \(no file \/tmp\/secrets\/absent/,
        );
    });

    test("an unreadable secret file or a folder in its place stops the configuration even when not strict", () => {
        const result = resolve("a: ${locked}\nb: ${folder}\n", "printf v > locked; chmod 000 locked; mkdir folder");
        assert.equal(result.status, 1);
        assert.match(
            result.stderr,
            /a: \$\{locked\}: cannot read the secret file \/tmp\/secrets\/locked as uid 1000 \(jenkins\), gid 1000: Permission denied \(owner 1000:1000, mode 0000\)/,
        );
        assert.match(result.stderr, /b: \$\{folder\}: Cannot load non-file \/tmp\/secrets\/folder/);
    });
});
