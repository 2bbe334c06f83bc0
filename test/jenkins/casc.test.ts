import assert from "node:assert/strict";
import { describe, test } from "node:test";
import YAML from "yaml";
import { renderJenkins } from "../../jenkins/render";
import { CASC_PATH, JenkinsSettings, SECRET_NAMES } from "../../jenkins/settings";
import { EXIT_STATUS, exitStatusEnvironment, modelEnvironment } from "../../contracts/modelImage";
import { sharedDataDir } from "../support/paths";
import {
    gitHubSettings,
    jenkinsSettingsFor,
    localSettings,
    SIGNATURE,
    SIGNED_DATA_URL,
    signedUrlSettings,
} from "./fixtures";
import { summariseJob } from "./jobXml";

type Tree = Record<string, any>;

/** Every [key, value] pair of a parsed YAML tree, depth first. */
function* entries(node: unknown): Generator<[string, unknown]> {
    if (Array.isArray(node)) {
        for (const item of node) yield* entries(item);
    } else if (typeof node === "object" && node !== null) {
        for (const [key, value] of Object.entries(node)) {
            yield [key, value];
            yield* entries(value);
        }
    }
}

const secretFields = new Set(["password", "privateKey", "secret", "passphrase", "token", "apiToken"]);
const secretNames: string[] = Object.values(SECRET_NAMES);

function casc(settings: JenkinsSettings): Tree {
    return YAML.parse(renderJenkins(settings).cascYaml);
}

function definedCredentialIds(config: Tree): string[] {
    return config.credentials.system.domainCredentials
        .flatMap((domain: Tree) => domain.credentials)
        .map((credential: Tree) => (Object.values(credential)[0] as Tree).id);
}

describe("JCasC", () => {
    for (const [mode, settings] of [
        ["local", localSettings],
        ["GitHub", gitHubSettings],
        ["signed data URL", signedUrlSettings],
    ] as const) {
        test(`${mode} mode: every credentialsId, in JCasC or in a job, is defined in JCasC`, () => {
            const rendered = renderJenkins(settings);
            const config: Tree = YAML.parse(rendered.cascYaml);
            const defined = definedCredentialIds(config);
            const referenced = [...entries(config)]
                .filter(([key]) => key === "credentialsId")
                .map(([, value]) => value);
            const fromJobs = Object.values(rendered.jobs).flatMap((xml) => {
                const job = summariseJob(xml);
                return [
                    ...job.scm.remotes.map((remote) => remote.credentialsId),
                    ...job.credentialBindings.map((binding) => binding.credentialsId),
                ];
            });
            assert.ok(referenced.length > 0);
            for (const id of [...referenced, ...fromJobs]) {
                assert.ok(defined.includes(id as string), `credentialsId ${String(id)} is not defined`);
            }
        });

        test(`${mode} mode: secrets are only \${...} references to the secret files`, () => {
            const yaml = renderJenkins(settings).cascYaml;
            const references = [...yaml.matchAll(/(?<!\^)\$\{([^}]*)\}/g)].map((match) => match[1]);
            assert.ok(references.includes(SECRET_NAMES.adminPassword));
            for (const name of references) {
                assert.ok(secretNames.includes(name), `\${${name}} is not one of SECRET_NAMES`);
            }
            for (const [key, value] of entries(YAML.parse(yaml))) {
                if (secretFields.has(key)) {
                    assert.match(String(value), /^\$\{[a-z-]+\}$/, `${key} holds a literal value`);
                }
            }
        });
    }

    test("security: no anonymous access, CSRF crumbs, no executors on the controller, admin from the secret file", () => {
        const { jenkins } = casc(localSettings);
        assert.deepEqual(jenkins.authorizationStrategy, { loggedInUsersCanDoAnything: { allowAnonymousRead: false } });
        assert.equal(jenkins.crumbIssuer, "standard");
        assert.equal(jenkins.numExecutors, 0);
        assert.equal(jenkins.securityRealm.local.allowsSignup, false);
        assert.deepEqual(jenkins.securityRealm.local.users, [{ id: "admin", password: "${jenkins-admin-password}" }]);
    });

    test("the SSH agent is declared with its credential and a host key check", () => {
        const ssh = casc(localSettings).jenkins.nodes[0].permanent.launcher.ssh;
        assert.equal(ssh.host, "adult-mlops-test-jenkins-agent");
        assert.equal(ssh.port, 22);
        assert.equal(ssh.credentialsId, SECRET_NAMES.agentSshKey);
        assert.deepEqual(ssh.sshHostKeyVerificationStrategy, {
            manuallyTrustedKeyVerificationStrategy: { requireInitialManualTrust: false },
        });
        const pinned = casc({
            ...localSettings,
            agents: [{ ...localSettings.agents[0], hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2y" }],
        });
        assert.deepEqual(pinned.jenkins.nodes[0].permanent.launcher.ssh.sshHostKeyVerificationStrategy, {
            manuallyProvidedKeyVerificationStrategy: { key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2y" },
        });
    });

    test("GitHub mode: webhook signatures checked against a Secret-text credential, deploy key for clones, GitHub's host keys pinned", () => {
        const config = casc(gitHubSettings);
        assert.deepEqual(config.unclassified.gitHubPluginConfig, {
            hookSecretConfigs: [{ credentialsId: SECRET_NAMES.githubWebhookSecret }],
        });
        const credentials = config.credentials.system.domainCredentials[0].credentials;
        assert.ok(
            credentials.some(
                (c: Tree) =>
                    c.string?.id === SECRET_NAMES.githubWebhookSecret && c.string.secret === "${github-webhook-secret}",
            ),
        );
        assert.ok(credentials.some((c: Tree) => c.basicSSHUserPrivateKey?.id === SECRET_NAMES.githubDeployKey));
        const hostKeys =
            config.security.gitHostKeyVerificationConfiguration.sshHostKeyVerificationStrategy
                .manuallyProvidedKeyVerificationStrategy.approvedHostKeys;
        assert.match(hostKeys, /^github\.com ssh-ed25519 /m);
        assert.equal(config.unclassified.location.url, "https://jenkins.example.org/");
    });

    test("local mode declares no GitHub credentials or webhook configuration", () => {
        const config = casc(localSettings);
        assert.deepEqual(definedCredentialIds(config), [SECRET_NAMES.agentSshKey]);
        assert.equal(config.unclassified.gitHubPluginConfig, undefined);
    });

    test("the jobs get the model's environment, the containers' limits, the data source and the gate's status through the global environment, kept literal", () => {
        const configured = jenkinsSettingsFor({
            threshold: "0.75",
            model: "logreg",
            modelMemoryLimit: "1g",
            modelPidsLimit: "512",
        });
        // A value holding ${...} stays literal (JCasC would resolve it otherwise).
        const settings = {
            ...configured,
            pipeline: {
                ...configured.pipeline,
                dataSource: { kind: "url" as const, url: "https://example.org/${HOME}/adult.zip" },
            },
        };
        const env = Object.fromEntries(
            casc(settings).jenkins.globalNodeProperties[0].envVars.env.map((entry: Tree) => [entry.key, entry.value]),
        );
        assert.deepEqual(env, {
            ...modelEnvironment(settings.pipeline),
            THRESHOLD: "0.75",
            MODEL: "logreg",
            DATA_URL: "https://example.org/^${HOME}/adult.zip",
            DATA_DIR: "",
            DATA_VOLUME: "adult-mlops-test-data",
            ...exitStatusEnvironment(),
            GATE_FAILED_STATUS: String(EXIT_STATUS.gateFailed),
            BAD_REGISTRY_STATUS: String(EXIT_STATUS.badRegistry),
            BAD_SETTING_STATUS: String(EXIT_STATUS.badInput),
            MODEL_MEMORY_LIMIT: "1g",
            MODEL_PIDS_LIMIT: "512",
            BASE_IMAGE: settings.baseImage,
            MODEL_IMAGE: "adult-mlops-test-model-jenkins",
            MODEL_CONTAINER: "adult-mlops-test-model",
            REGISTRY_VOLUME: "adult-mlops-test-registry",
        });
        for (const xml of Object.values(renderJenkins(settings).jobs)) {
            assert.ok(!xml.includes("0.75") && !xml.includes("logreg"), "a setting is a literal in a job");
        }
    });

    test("a directory data source is mounted, not downloaded", () => {
        const env = Object.fromEntries(
            casc(jenkinsSettingsFor({ dataSource: sharedDataDir })).jenkins.globalNodeProperties[0].envVars.env.map(
                (entry: Tree) => [entry.key, entry.value],
            ),
        );
        assert.equal(env.DATA_DIR, sharedDataDir);
        assert.equal(env.DATA_URL, "");
        assert.equal(env.DATA_VOLUME, "");
    });

    test("a signed data URL is in no plain configuration: a GLOBAL Secret-text credential from its secret file, bound to DATA_URL in every first job", () => {
        const settings = jenkinsSettingsFor({
            dataSource: SIGNED_DATA_URL,
            buildHosts: JSON.stringify([
                "unix:///var/run/docker.sock",
                "unix:///tmp/e/docker.sock?name=second&agent=127.0.0.1:2222",
            ]),
        });
        const rendered = renderJenkins(settings);
        const config: Tree = YAML.parse(rendered.cascYaml);
        const env = Object.fromEntries(
            config.jenkins.globalNodeProperties[0].envVars.env.map((entry: Tree) => [entry.key, entry.value]),
        );
        assert.equal("DATA_URL" in env, false, "DATA_URL is left out of the global environment");
        assert.deepEqual([env.DATA_DIR, env.DATA_VOLUME], ["", "adult-mlops-test-data"]);
        const credentials = config.credentials.system.domainCredentials[0].credentials;
        assert.deepEqual(credentials.find((c: Tree) => c.string?.id === SECRET_NAMES.dataUrl)?.string, {
            scope: "GLOBAL",
            id: "data-source-url",
            description:
                "The data source's signed URL (its query string is a secret); the github-to-container jobs bind it to DATA_URL",
            secret: "${data-source-url}",
        });
        for (const name of ["github-to-container", "github-to-container-on-second"]) {
            assert.deepEqual(
                summariseJob(rendered.jobs[name]).credentialBindings,
                [
                    {
                        binding: "org.jenkinsci.plugins.credentialsbinding.impl.StringBinding",
                        variable: "DATA_URL",
                        credentialsId: SECRET_NAMES.dataUrl,
                    },
                ],
                name,
            );
        }
        for (const name of ["preprocessing", "train", "test", "test-on-second"]) {
            assert.deepEqual(summariseJob(rendered.jobs[name]).buildWrappers, [], `${name} needs no data URL`);
        }
        // Neither the signature nor any other part of the query string, anywhere but in the secret file.
        for (const text of [
            rendered.cascYaml,
            ...Object.values(rendered.jobs),
            ...rendered.controllerFiles.map((file) => file.content),
        ]) {
            assert.ok(
                !text.includes(SIGNATURE) && !text.includes("X-Amz-Expires"),
                "the query string is in a plain file",
            );
        }
        assert.deepEqual(rendered.secretFiles, { [SECRET_NAMES.dataUrl]: SIGNED_DATA_URL });
        assert.ok(
            !rendered.controllerFiles.some((file) => file.path.startsWith("/run/secrets/")),
            "secret files are uploaded as secrets, not with the configuration",
        );
    });

    test("a URL without a query string (the default) stays in the global environment: no credential, no binding, no secret file", () => {
        const rendered = renderJenkins(localSettings);
        const config: Tree = YAML.parse(rendered.cascYaml);
        const env = Object.fromEntries(
            config.jenkins.globalNodeProperties[0].envVars.env.map((entry: Tree) => [entry.key, entry.value]),
        );
        assert.equal(env.DATA_URL, "https://archive.ics.uci.edu/static/public/2/adult.zip");
        assert.deepEqual(definedCredentialIds(config), [SECRET_NAMES.agentSshKey]);
        assert.ok(Object.values(rendered.jobs).every((xml) => xml.includes("<buildWrappers/>")));
        assert.deepEqual(rendered.secretFiles, {});
    });

    test("the controller files are the JCasC file and one .override config per job", () => {
        const { controllerFiles, cascYaml } = renderJenkins(localSettings);
        assert.deepEqual(
            controllerFiles.map((file) => file.path),
            [
                CASC_PATH,
                "/usr/share/jenkins/ref/jobs/github-to-container/config.xml.override",
                "/usr/share/jenkins/ref/jobs/preprocessing/config.xml.override",
                "/usr/share/jenkins/ref/jobs/train/config.xml.override",
                "/usr/share/jenkins/ref/jobs/test/config.xml.override",
            ],
        );
        assert.equal(controllerFiles[0].content, cascYaml);
    });
});
