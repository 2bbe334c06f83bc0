import assert from "node:assert/strict";
import { describe, test } from "node:test";
import YAML from "yaml";
import { renderJenkins } from "../../jenkins/render";
import { CASC_PATH, JenkinsSettings, SECRET_NAMES } from "../../jenkins/settings";
import { gitHubSettings, localSettings } from "./fixtures";
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
    for (const [mode, settings] of [["local", localSettings], ["GitHub", gitHubSettings]] as const) {
        test(`${mode} mode: every credentialsId, in JCasC or in a job, is defined in JCasC`, () => {
            const rendered = renderJenkins(settings);
            const config: Tree = YAML.parse(rendered.cascYaml);
            const defined = definedCredentialIds(config);
            const referenced = [...entries(config)].filter(([key]) => key === "credentialsId").map(([, value]) => value);
            const fromJobs = Object.values(rendered.jobs).flatMap((xml) => summariseJob(xml).scm.remotes.map((remote) => remote.credentialsId));
            assert.ok(referenced.length > 0);
            for (const id of [...referenced, ...fromJobs]) {
                assert.ok(defined.includes(id as string), `credentialsId ${id} is not defined`);
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

    test("no secret from the environment reaches any rendered file", () => {
        const dummies = {
            JENKINS_ADMIN_PASSWORD: "dummy-admin-password-5f1c",
            GITHUB_WEBHOOK_SECRET: "dummy-webhook-secret-9a7e",
            GITHUB_DEPLOY_KEY: "dummy-deploy-key-3c2b",
        };
        Object.assign(process.env, dummies);
        try {
            const files = renderJenkins(gitHubSettings).controllerFiles;
            for (const file of files) {
                for (const value of Object.values(dummies)) {
                    assert.ok(!file.content.includes(value), `${file.path} contains a secret`);
                }
                assert.doesNotMatch(file.content, /PRIVATE KEY-----/, `${file.path} holds key material`);
            }
        } finally {
            for (const name of Object.keys(dummies)) delete process.env[name];
        }
    });

    test("security: no anonymous access, CSRF crumbs, no executors on the controller, admin from the secret file", () => {
        const { jenkins } = casc(localSettings);
        assert.deepEqual(jenkins.authorizationStrategy, { loggedInUsersCanDoAnything: { allowAnonymousRead: false } });
        assert.ok(jenkins.crumbIssuer.standard);
        assert.equal(jenkins.numExecutors, 0);
        assert.equal(jenkins.securityRealm.local.allowsSignup, false);
        assert.deepEqual(jenkins.securityRealm.local.users, [{ id: "admin", password: "${jenkins-admin-password}" }]);
    });

    test("the SSH agent is declared with its credential and a host key check", () => {
        const ssh = casc(localSettings).jenkins.nodes[0].permanent.launcher.ssh;
        assert.equal(ssh.host, "adult-mlops-jenkins-agent");
        assert.equal(ssh.port, 22);
        assert.equal(ssh.credentialsId, SECRET_NAMES.agentSshKey);
        assert.deepEqual(ssh.sshHostKeyVerificationStrategy, { manuallyTrustedKeyVerificationStrategy: { requireInitialManualTrust: false } });
        const pinned = casc({ ...localSettings, agent: { ...localSettings.agent, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2y agent@host\n" } });
        assert.deepEqual(pinned.jenkins.nodes[0].permanent.launcher.ssh.sshHostKeyVerificationStrategy, {
            manuallyProvidedKeyVerificationStrategy: { key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2y" },
        });
    });

    test("GitHub mode: webhook signatures checked against a Secret-text credential, deploy key for clones, GitHub's host keys pinned", () => {
        const config = casc(gitHubSettings);
        assert.deepEqual(config.unclassified.gitHubPluginConfig, { hookSecretConfigs: [{ credentialsId: SECRET_NAMES.githubWebhookSecret }] });
        const credentials = config.credentials.system.domainCredentials[0].credentials;
        assert.ok(credentials.some((c: Tree) => c.string?.id === SECRET_NAMES.githubWebhookSecret && c.string.secret === "${github-webhook-secret}"));
        assert.ok(credentials.some((c: Tree) => c.basicSSHUserPrivateKey?.id === SECRET_NAMES.githubDeployKey));
        const hostKeys = config.security.gitHostKeyVerificationConfiguration.sshHostKeyVerificationStrategy.manuallyProvidedKeyVerificationStrategy.approvedHostKeys;
        assert.match(hostKeys, /^github\.com ssh-ed25519 /m);
        assert.equal(config.unclassified.location.url, "https://jenkins.example.org/");
    });

    test("local mode declares no GitHub credentials or webhook configuration", () => {
        const config = casc(localSettings);
        assert.deepEqual(definedCredentialIds(config), [SECRET_NAMES.agentSshKey]);
        assert.equal(config.unclassified.gitHubPluginConfig, undefined);
    });

    test("threshold, model and data settings reach the jobs through the global environment, kept literal", () => {
        const settings: JenkinsSettings = {
            ...localSettings,
            pipeline: { ...localSettings.pipeline, threshold: 0.75, model: "logreg", dataSource: "https://example.org/${HOME}/adult.zip" },
        };
        const env = Object.fromEntries(
            casc(settings).jenkins.globalNodeProperties[0].envVars.env.map((entry: Tree) => [entry.key, entry.value]),
        );
        assert.equal(env.THRESHOLD, "0.75");
        assert.equal(env.MODEL, "logreg");
        assert.equal(env.DATA_SOURCE, "https://example.org/^${HOME}/adult.zip");
        assert.equal(env.MODEL_CONTAINER, "model");
        for (const xml of Object.values(renderJenkins(settings).jobs)) {
            assert.ok(!xml.includes("0.75") && !xml.includes("logreg"), "a setting is a literal in a job");
        }
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
