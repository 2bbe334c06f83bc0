import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "yaml";
import {
    CONFIG_KEYS,
    ConfigKey,
    ConfigValues,
    KNOWN_CONFIG_KEYS,
    readDeclarations,
    withDefaults,
} from "../../config/declaredConfig";
import { checkConfigKeys, closestConfigKey, parseStackSettings, StackSettings } from "../../config/stackSettings";
import { redactedUrl } from "../../config/validators";
import { renderJenkins } from "../../jenkins/render";
import { jenkinsSettingsOf } from "../../jenkins/settings";
import { repoRoot, sharedDataDir } from "../support/paths";
import { simulatedProviders } from "./support/simulatedProviders";
import { runStack } from "./support/stackHarness";

const settingsOf = (values: Partial<ConfigValues>): StackSettings =>
    parseStackSettings(withDefaults(repoRoot, values), { projectDir: repoRoot, stack: "test" });

describe("Pulumi.yaml", () => {
    const project = parse(fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8"));

    // Catches a key the program reads that Pulumi.yaml does not declare (no default, no type check by
    // the CLI), or a declared key nothing reads.
    it("declares exactly the settings the program reads, each with a type, a default and a description", () => {
        assert.deepEqual(Object.keys(project.config).sort(), [...CONFIG_KEYS].sort());
        for (const [key, declaration] of Object.entries(readDeclarations(repoRoot))) {
            assert.ok(["string", "integer", "boolean", "array"].includes(declaration.type), key);
            assert.ok(declaration.description.length > 20, key);
        }
    });

    // Catches a number or flag declared as a string, which the Pulumi CLI would then not check.
    it("uses Pulumi's own types for the port and the flags", () => {
        assert.equal(project.config.jenkinsPort.type, "integer");
        assert.equal(project.config.failOnGate.type, "boolean");
        assert.equal(project.config.keepJenkinsHome.type, "boolean");
    });

    // Catches a default that the program's own checks refuse: a stack left at its defaults must come up.
    it("has defaults the program accepts", () => {
        assert.doesNotThrow(() => settingsOf({}));
    });

    // Catches the README's table of settings drifting from the declared defaults it documents.
    it("is what README.md's configuration table shows", () => {
        const readme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8");
        const table = readme.slice(readme.indexOf("| key | default | meaning |")).split("\n\n")[0].split("\n").slice(2);
        const declared = readDeclarations(repoRoot);
        const documented = new Map<string, string>();
        for (const row of table) {
            const [keys, defaults] = row
                .split("|")
                .slice(1, 3)
                .map((cell) => cell.trim());
            const keyNames = keys.split(" / ").map((key) => key.replace(/`/g, ""));
            const values = defaults.split(" / ");
            keyNames.forEach((key, i) => {
                const value = values[i] ?? values[0];
                if (/^`.*`$/.test(value) || value === "(empty)") {
                    documented.set(key, value === "(empty)" ? "" : value.slice(1, -1));
                }
            });
        }
        for (const [key, value] of documented) {
            assert.equal(value, declared[key as ConfigKey]?.default, `README.md's default of ${key}`);
        }
        assert.ok(documented.size >= 10, `only ${documented.size} defaults documented`);
    });

    // Catches a stack file that restates (and so can contradict) a Pulumi.yaml default, or sets a key nothing reads.
    it("leaves the dev stack's settings to Pulumi.yaml's defaults", () => {
        const dev = parse(fs.readFileSync(path.join(repoRoot, "Pulumi.dev.yaml"), "utf8"));
        assert.deepEqual(dev.config, {});
    });
});

/** For every key: a value the program takes (and where it lands) and one it refuses. */
const table: Record<
    ConfigKey,
    {
        good: string;
        lands: (s: StackSettings) => unknown;
        expected: unknown;
        bad: string;
        context?: Partial<ConfigValues>;
    }
> = {
    threshold: { good: "0.5", lands: (s) => s.pipeline.threshold, expected: 0.5, bad: "1.5" },
    model: { good: "logreg", lands: (s) => s.pipeline.model, expected: "logreg", bad: "svm" },
    dataSource: {
        good: sharedDataDir,
        lands: (s) => s.pipeline.dataSource,
        expected: { kind: "directory", path: sharedDataDir },
        bad: "s3://bucket/adult.zip",
    },
    rawDataFile: {
        good: "adult.csv",
        lands: (s) => s.pipeline.rawDataFile,
        expected: "adult.csv",
        bad: "missing.csv",
        context: { dataSource: sharedDataDir },
    },
    testDataFile: {
        good: "",
        lands: (s) => s.pipeline.testDataFile,
        expected: "",
        bad: "../adult.test",
        context: { dataSource: sharedDataDir },
    },
    maxRegression: { good: "0.01", lands: (s) => s.pipeline.maxRegression, expected: 0.01, bad: "-0.005" },
    keepModelRegistry: { good: "true", lands: (s) => s.pipeline.keepRegistry, expected: true, bad: "keep" },
    failOnGate: { good: "true", lands: (s) => s.pipeline.failOnGate, expected: true, bad: "yes" },
    modelMemoryLimit: { good: "2g", lands: (s) => s.pipeline.containerLimits.memory, expected: "2g", bad: "0" },
    modelPidsLimit: { good: "1024", lands: (s) => s.pipeline.containerLimits.pids, expected: 1024, bad: "abc" },
    servePort: { good: "9000", lands: (s) => s.serve.hostPort, expected: 9000, bad: "8080" },
    serveMaxRows: { good: "1000000", lands: (s) => s.serve.maxRows, expected: 1_000_000, bad: "0" },
    serveMaxBodyBytes: { good: "1024", lands: (s) => s.serve.maxBodyBytes, expected: 1024, bad: "1023" },
    requestLogSampleRate: { good: "1", lands: (s) => s.serve.requestLog?.sampleRate, expected: 1, bad: "1%" },
    requestLogMaxBytes: { good: "0", lands: (s) => s.serve.requestLog, expected: undefined, bad: "-1" },
    baseImage: {
        good: "registry.example.com:5000/team/debian:trixie-slim",
        lands: (s) => s.baseImage,
        expected: "registry.example.com:5000/team/debian:trixie-slim",
        bad: "Debian:Trixie",
    },
    jenkinsBaseImage: {
        good: "jenkins/jenkins:2.568.2-jdk21",
        lands: (s) => s.jenkins.baseImage,
        expected: "jenkins/jenkins:2.568.2-jdk21",
        bad: "jenkins jenkins",
    },
    jenkinsPort: { good: "9090", lands: (s) => s.jenkins.localUrl, expected: "http://127.0.0.1:9090/", bad: "80800" },
    jenkinsBindAddress: {
        good: "192.168.1.10",
        lands: (s) => s.jenkins.localUrl,
        expected: "http://192.168.1.10:8080/",
        bad: "everywhere",
    },
    keepJenkinsHome: { good: "true", lands: (s) => s.jenkins.keepHome, expected: true, bad: "1" },
    githubRepository: {
        good: "octocat/hello-world",
        lands: (s) => s.github?.cloneUrl,
        expected: "git@github.com:octocat/hello-world.git",
        bad: "octo-/x",
        context: { jenkinsPublicUrl: "https://ci.example.com/" },
    },
    githubBranch: {
        good: "release/1.x",
        lands: (s) => s.github?.branch,
        expected: "release/1.x",
        bad: "feature..x",
        context: { githubRepository: "octocat/x", jenkinsPublicUrl: "https://ci.example.com/" },
    },
    jenkinsPublicUrl: {
        good: "https://ci.example.com/jenkins",
        lands: (s) => [s.jenkins.url, s.github?.webhookUrl],
        expected: ["https://ci.example.com/jenkins/", "https://ci.example.com/jenkins/github-webhook/"],
        bad: "http://localhost:8080",
        context: { githubRepository: "octocat/x" },
    },
    buildHosts: {
        good: JSON.stringify(["unix:///var/run/docker.sock", "unix:///srv/engines/gpu.sock?name=gpu&agent=10.0.0.7"]),
        lands: (s) => s.buildHosts.hosts.map((host) => [host.name, host.endpoint.kind, host.agent?.address]),
        expected: [
            ["local", "default", undefined],
            ["gpu", "unix", "10.0.0.7"],
        ],
        bad: "unix:///var/run/docker.sock",
    },
    pipelineHost: {
        good: "gpu",
        lands: (s) => s.buildHosts.pipelineHost.name,
        expected: "gpu",
        bad: "big-box",
        context: {
            buildHosts: JSON.stringify([
                "unix:///var/run/docker.sock",
                "unix:///srv/engines/gpu.sock?name=gpu&agent=10.0.0.7",
            ]),
        },
    },
};

describe("every setting: a good value is taken, a bad one fails the preview naming the key, the value and what is allowed", () => {
    for (const key of CONFIG_KEYS) {
        const { good, lands, expected, bad, context = {} } = table[key];
        it(`${key}: ${JSON.stringify(good)} is taken`, () => {
            assert.deepEqual(lands(settingsOf({ ...context, [key]: good })), expected);
        });
        it(`${key}: ${JSON.stringify(bad)} is refused`, async () => {
            await assert.rejects(runStack({ ...context, [key]: bad }, simulatedProviders), (error: Error) => {
                assert.ok(
                    error.message.startsWith(`invalid config adult-mlops:${key} = ${JSON.stringify(bad)}: expected `),
                    error.message,
                );
                assert.doesNotMatch(error.message, /\n\s+at /, "a message, not a stack trace");
                return true;
            });
        });
    }

    it("GitHub mode without a public URL names the missing key", async () => {
        await assert.rejects(
            runStack({ githubRepository: "octocat/x" }, simulatedProviders),
            /invalid config adult-mlops:jenkinsPublicUrl = "": expected the public URL/,
        );
    });
});

describe("the prediction service's settings", () => {
    const refusal = (key: string, value: string, expected: string) =>
        `invalid config adult-mlops:${key} = ${JSON.stringify(value)}: expected ${expected}. Change it with: pulumi config set ${key} <value>`;

    it("default to port 8090, 10000 rows, 10 MiB bodies and a request log of 64 MiB sampling 1% of requests", () => {
        assert.deepEqual(settingsOf({}).serve, {
            hostPort: 8090,
            maxRows: 10000,
            maxBodyBytes: 10485760,
            requestLog: { sampleRate: 0.01, maxBytes: 67108864 },
        });
    });

    // Catches the service published on Jenkins' port, which docker run would refuse only at `pulumi up`.
    it("refuse servePort equal to jenkinsPort, naming both", () => {
        assert.throws(() => settingsOf({ jenkinsPort: "9000", servePort: "9000" }), {
            message: refusal(
                "servePort",
                "9000",
                "a TCP port other than jenkinsPort's 9000: Jenkins is published on that one",
            ),
        });
        assert.throws(() => settingsOf({ servePort: "65536" }), {
            message: refusal("servePort", "65536", "a TCP port number from 1 to 65535"),
        });
    });

    // Catches a value serve.py refuses (ml/adult_pipeline/serving/settings.py) that would fail only at the service's start.
    it("take whole numbers within the bounds serve.py accepts only, saying the bounds and the unit", () => {
        const taken: [ConfigKey, string, (s: StackSettings) => unknown, unknown][] = [
            ["serveMaxRows", "1", (s) => s.serve.maxRows, 1],
            ["serveMaxBodyBytes", "1073741824", (s) => s.serve.maxBodyBytes, 1073741824],
            ["requestLogMaxBytes", "1073741824", (s) => s.serve.requestLog?.maxBytes, 1073741824],
            ["requestLogMaxBytes", "65536", (s) => s.serve.requestLog?.maxBytes, 65536],
        ];
        for (const [key, value, lands, expected] of taken) {
            assert.deepEqual(lands(settingsOf({ [key]: value })), expected, `${key} ${value}`);
        }
        const refused: [ConfigKey, string, string][] = [
            ["serveMaxRows", "1000001", "a whole number of rows from 1 to 1000000, such as 10000"],
            ["serveMaxRows", "1e4", "a whole number of rows from 1 to 1000000, such as 10000"],
            ["serveMaxRows", "010", "a whole number of rows from 1 to 1000000, such as 10000"],
            ["serveMaxBodyBytes", "1073741825", "a whole number of bytes from 1024 to 1073741824, such as 10485760"],
            [
                "requestLogMaxBytes",
                "1073741825",
                "a whole number of bytes from 65536 to 1073741824, such as 67108864, or 0 for no request log",
            ],
            [
                "requestLogMaxBytes",
                "65535",
                "a whole number of bytes from 65536 to 1073741824, such as 67108864, or 0 for no request log",
            ],
            [
                "requestLogMaxBytes",
                "64m",
                "a whole number of bytes from 65536 to 1073741824, such as 67108864, or 0 for no request log",
            ],
        ];
        for (const [key, value, expected] of refused) {
            assert.throws(() => settingsOf({ [key]: value }), { message: refusal(key, value, expected) });
        }
    });

    // Catches a bad sample rate slipping through while the log is off, to fail only when it is turned on.
    it("check the sample rate even with no request log", () => {
        assert.throws(() => settingsOf({ requestLogMaxBytes: "0", requestLogSampleRate: "-0.1" }), {
            message: refusal("requestLogSampleRate", "-0.1", "a number from 0 to 1, such as 0.01"),
        });
    });
});

describe("a data URL with a user name or password is refused, and the message shows no secret", () => {
    const refusals: [string, string][] = [
        [
            "https://user:hunter2@data.example.com/adult.zip?X-Amz-Signature=0f1e2d3c",
            "https://***@data.example.com/adult.zip?…",
        ],
        ["https://user:hunter2@data.example.com/adult.zip", "https://***@data.example.com/adult.zip"],
        ["https://user@data.example.com/adult.zip", "https://***@data.example.com/adult.zip"],
        ["http://:hunter2@data.example.com/adult.zip", "http://***@data.example.com/adult.zip"],
    ];
    for (const [url, shown] of refusals) {
        // Catches the check gone (the URL reaches Jenkins and the logs, and the download fails later) or the password in the message.
        it(`${shown} is refused at preview, naming the key and what to use instead`, async () => {
            await assert.rejects(runStack({ dataSource: url }, simulatedProviders), (error: Error) => {
                assert.ok(
                    error.message.startsWith(
                        `invalid config adult-mlops:dataSource = ${JSON.stringify(shown)}: expected an http(s) URL without a user name or password `,
                    ),
                    error.message,
                );
                assert.match(error.message, /a pre-signed URL .* or a local directory holding the files/);
                assert.ok(
                    !error.message.includes("hunter2") &&
                        !error.message.includes("0f1e2d3c") &&
                        !error.message.includes("user@") &&
                        !error.message.includes("user:"),
                    error.message,
                );
                return true;
            });
        });
    }

    it("a URL refused for another reason is not shown whole either", () => {
        assert.throws(
            () => settingsOf({ dataSource: "https://data.example.com/adult.zip?X-Amz-Signature=0f,1e" }),
            (error: Error) =>
                error.message.startsWith(
                    `invalid config adult-mlops:dataSource = "https://data.example.com/adult.zip?…": expected an http(s) URL`,
                ) && !error.message.includes("0f,1e"),
        );
        assert.throws(
            () => settingsOf({ dataSource: "ftp://user:hunter2@data.example.com/adult.zip" }),
            (error: Error) =>
                error.message.includes('"ftp://***@data.example.com/adult.zip"') && !error.message.includes("hunter2"),
        );
    });

    it("a pre-signed URL without user:password is taken whole", () => {
        const signed = "https://bucket.s3.example.com/adult.zip?X-Amz-Expires=600&X-Amz-Signature=0f1e2d3c";
        assert.deepEqual(settingsOf({ dataSource: signed }).pipeline.dataSource, { kind: "url", url: signed });
        assert.equal(redactedUrl(signed), "https://bucket.s3.example.com/adult.zip?…");
    });
});

describe("values one check once accepted and another refused", () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "config-"));
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    // A directory with "+" and a file name with a space are fine for Docker and the scripts: they are
    // taken and rendered (the executing stack test runs them); an owner ending in "-" is not a GitHub account.
    it("a data directory with + and a data file with a space are taken and reach Jenkins' environment as they are", () => {
        const dataDir = path.join(scratch, "data+v2");
        fs.mkdirSync(dataDir);
        fs.writeFileSync(path.join(dataDir, "adult data.csv"), "");
        const settings = settingsOf({ dataSource: dataDir, rawDataFile: "adult data.csv", testDataFile: "" });
        const casc = renderJenkins(jenkinsSettingsOf(settings)).cascYaml;
        assert.match(casc, new RegExp(`key: DATA_DIR\\n\\s+value: ${dataDir.replace(/[+.]/g, "\\$&")}\\n`));
        assert.match(casc, /key: RAW_DATA_FILE\n\s+value: adult data\.csv\n/);
    });

    it("a directory whose path holds a comma is refused (it would break docker run --mount)", () => {
        const dataDir = path.join(scratch, "a,b");
        fs.mkdirSync(dataDir);
        assert.throws(() => settingsOf({ dataSource: dataDir }), /invalid config adult-mlops:dataSource = .*no comma/);
    });
});

describe("a stack key of the project that the program does not read fails the preview, naming it and the key meant", () => {
    const rejectsWith = async (config: Record<string, string>, message: string, secretKeys: string[] = []) =>
        assert.rejects(runStack(config, simulatedProviders, { secretKeys }), (error: Error) => {
            assert.equal(error.message, message);
            assert.doesNotMatch(error.message, /\n\s+at /, "a message, not a stack trace");
            return true;
        });

    // Catches a misspelt key silently ignored: the gate would run at the default threshold 0.8 instead of 0.95.
    it("adult-mlops:threshhold is refused, suggesting threshold, without showing the value", async () => {
        await rejectsWith(
            { threshhold: "0.95" },
            "undeclared config adult-mlops:threshhold: the program reads no such setting, so it would be ignored; " +
                "did you mean threshold? Move it with: pulumi config rm threshhold && pulumi config set threshold <value>",
        );
    });

    it("a key in another case, or a letter off, is taken for the key it looks like", () => {
        assert.equal(closestConfigKey("Threshold"), "threshold");
        assert.equal(closestConfigKey("modelMemoryLimt"), "modelMemoryLimit");
        assert.equal(closestConfigKey("pipelinehost"), "pipelineHost");
        assert.equal(closestConfigKey("colour"), undefined);
    });

    // Catches a misspelt secret key's value (a password) in the message, or advice to set it in plain text.
    it("a misspelt secret key is refused without its value, suggesting pulumi config set --secret", async () => {
        await rejectsWith(
            { jenkinsAdminPasword: "hunter2" },
            "undeclared config adult-mlops:jenkinsAdminPasword: the program reads no such setting, so it would be ignored; " +
                "did you mean jenkinsAdminPassword? Move it with: pulumi config rm jenkinsAdminPasword && pulumi config set --secret jenkinsAdminPassword <value>",
            ["jenkinsAdminPasword"],
        );
    });

    it("a key like none of the settings is refused, listing them", async () => {
        await rejectsWith(
            { colour: "blue" },
            `undeclared config adult-mlops:colour: the program reads no such setting, so it would be ignored; the settings are ${KNOWN_CONFIG_KEYS.join(", ")} (Pulumi.yaml). Remove it with: pulumi config rm colour`,
        );
    });

    // Catches the check reaching into the providers' namespaces, or refusing the secrets Pulumi.yaml cannot declare.
    it("providers' keys and the program's secret keys are taken", async () => {
        assert.doesNotThrow(() =>
            checkConfigKeys([
                "docker:host",
                "github:token",
                "aws:region",
                "adult-mlops-other:threshhold",
                ...KNOWN_CONFIG_KEYS.map((key) => `adult-mlops:${key}`),
            ]),
        );
        await assert.doesNotReject(
            runStack(
                { threshold: "0.5", "github:token": "t0ken", jenkinsAdminPassword: "s3cret", dockerTls: "{}" },
                simulatedProviders,
                { secretKeys: ["github:token", "jenkinsAdminPassword", "dockerTls"] },
            ),
        );
    });
});
