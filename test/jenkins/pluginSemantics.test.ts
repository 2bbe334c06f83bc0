/**
 * What the rendered JCasC and job XML rely on, each fact checked against the source of the plugin
 * release that plugins.lock.json pins (or, where the local mirror lacks that release, the newest
 * older one: the lock's source.readVersion). Each test cites repository, file, tag and line, and
 * asserts on this repository's rendered output or files, so a change that breaks the fact fails.
 *
 * Jenkins core keys (location.url, crumbIssuer, loggedInUsersCanDoAnything, ReverseBuildTrigger,
 * envVars) are not covered here: cascSchema.test.ts checks every JCasC attribute and job XML element,
 * core's included, against jenkins/casc-schema.json, read from core and the plugins at the pinned tags.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import YAML from "yaml";
import { renderJenkins } from "../../jenkins/render";
import { JENKINS_REF_DIR, JenkinsSettings, SECRET_NAMES, SECRETS_DIR } from "../../jenkins/settings";
import { versionAtLeast } from "../../jenkins/tools/pluginVersion";
import { repoRoot } from "../support/paths";
import { gitHubSettings, jenkinsSettingsFor } from "./fixtures";
import { summariseJob } from "./jobXml";

type Tree = Record<string, any>;

const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, "jenkins", "plugins.lock.json"), "utf8"));
const dockerfile = fs.readFileSync(path.join(repoRoot, "jenkins", "Dockerfile"), "utf8");
const pinnedSettings: JenkinsSettings = {
    ...gitHubSettings,
    agents: [{ ...gitHubSettings.agents[0], hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeHostKeyForTheTest" }],
};
const rendered = renderJenkins(pinnedSettings);
const casc: Tree = YAML.parse(rendered.cascYaml);
const firstJob = rendered.jobs["github-to-container"];

function credentialsOfKind(kind: string): Tree[] {
    return casc.credentials.system.domainCredentials
        .flatMap((domain: Tree) => domain.credentials)
        .filter((credential: Tree) => kind in credential)
        .map((credential: Tree) => credential[kind]);
}

function assertKeysWithin(node: Tree, allowed: string[], what: string): void {
    for (const key of Object.keys(node))
        assert.ok(allowed.includes(key), `${what}: ${key} is not one of ${allowed.join(", ")}`);
}

function pinnedVersion(id: string): string {
    return lock.plugins[id].version;
}

describe("plugin semantics at the pinned versions", () => {
    // jenkinsci/configuration-as-code-plugin, plugin/src/main/java/io/jenkins/plugins/casc/impl/attributes/DescribableAttribute.java
    // at 2117.vc05a_0b_e6b_f4e, lines 45-72: a describable without @Symbol is named by its class name
    // minus the extension point's name ("...PrivateKeySource" -> directEntry, "...CredentialsImpl" -> string),
    // else by the decapitalised class name (Configurator.java line 48 normalize).

    test("ssh-credentials: basicSSHUserPrivateKey(scope, id, username, privateKeySource.directEntry.privateKey, description)", () => {
        // jenkinsci/ssh-credentials-plugin, src/main/java/com/cloudbees/jenkins/plugins/sshcredentials/impl/BasicSSHUserPrivateKey.java
        // at 361.vb_f6760818e8c (the mirror's newest release; the lock pins 372.va_250881b_08cd, read as inexact):
        // line 105-108 @DataBoundConstructor BasicSSHUserPrivateKey(scope, id, username, privateKeySource, passphrase, description);
        // line 305 DirectEntryPrivateKeySource(String privateKey), a PrivateKeySource -> symbol "directEntry".
        const keys = credentialsOfKind("basicSSHUserPrivateKey");
        assert.equal(keys.length, 2);
        for (const key of keys) {
            assertKeysWithin(
                key,
                ["scope", "id", "username", "privateKeySource", "passphrase", "description"],
                "basicSSHUserPrivateKey",
            );
            assert.deepEqual(Object.keys(key.privateKeySource), ["directEntry"]);
            assert.deepEqual(Object.keys(key.privateKeySource.directEntry), ["privateKey"]);
        }
        assert.ok(pinnedVersion("ssh-credentials"));
    });

    test("plain-credentials: string(scope, id, description, secret)", () => {
        // jenkinsci/plain-credentials-plugin, src/main/java/org/jenkinsci/plugins/plaincredentials/impl/StringCredentialsImpl.java
        // at 199.v9f8e1f741799, line 45: @DataBoundConstructor StringCredentialsImpl(scope, id, description, secret).
        const [secret] = credentialsOfKind("string");
        assertKeysWithin(secret, ["scope", "id", "description", "secret"], "string");
        assert.equal(pinnedVersion("plain-credentials"), "199.v9f8e1f741799");
    });

    test("ssh-slaves: launcher ssh with host, port, credentialsId, timeouts and a host key strategy", () => {
        // jenkinsci/ssh-agents-plugin (ssh-slaves), src/main/java/hudson/plugins/sshslaves/SSHLauncher.java at
        // 3.1097.v868116049892: line 1229 @Symbol({"ssh", "sSHLauncher"}); lines 264-275 the constructor
        // (host, port, credentialsId, jvmOptions, javaPath, prefixStartSlaveCmd, suffixStartSlaveCmd,
        // launchTimeoutSeconds, maxNumRetries, retryWaitTime, sshHostKeyVerificationStrategy).
        // verifiers/ManuallyProvidedKeyVerificationStrategy.java line 58 (String key);
        // verifiers/ManuallyTrustedKeyVerificationStrategy.java line 57 (boolean requireInitialManualTrust).
        const ssh = casc.jenkins.nodes[0].permanent.launcher.ssh;
        assertKeysWithin(
            ssh,
            [
                "host",
                "port",
                "credentialsId",
                "jvmOptions",
                "javaPath",
                "prefixStartSlaveCmd",
                "suffixStartSlaveCmd",
                "launchTimeoutSeconds",
                "maxNumRetries",
                "retryWaitTime",
                "sshHostKeyVerificationStrategy",
            ],
            "ssh launcher",
        );
        assert.deepEqual(ssh.sshHostKeyVerificationStrategy, {
            manuallyProvidedKeyVerificationStrategy: { key: pinnedSettings.agents[0].hostKey },
        });
        const trusted: Tree = YAML.parse(renderJenkins(gitHubSettings).cascYaml).jenkins.nodes[0].permanent.launcher
            .ssh;
        assert.deepEqual(trusted.sshHostKeyVerificationStrategy, {
            manuallyTrustedKeyVerificationStrategy: { requireInitialManualTrust: false },
        });
        assert.equal(pinnedVersion("ssh-slaves"), "3.1097.v868116049892");
    });

    test("git-client: security.gitHostKeyVerificationConfiguration with manually provided approvedHostKeys", () => {
        // jenkinsci/git-client-plugin at git-client-6.6.1 (git 5.10.1 depends on it):
        // src/main/java/org/jenkinsci/plugins/gitclient/GitHostKeyVerificationConfiguration.java lines 14-21
        // (@Extension GlobalConfiguration in the Security category -> JCasC root "security"), line 32
        // setSshHostKeyVerificationStrategy; verifier/ManuallyProvidedKeyVerificationStrategy.java line 26-27
        // @DataBoundConstructor (String approvedHostKeys).
        const strategy = casc.security.gitHostKeyVerificationConfiguration.sshHostKeyVerificationStrategy;
        assert.deepEqual(Object.keys(strategy), ["manuallyProvidedKeyVerificationStrategy"]);
        assert.deepEqual(Object.keys(strategy.manuallyProvidedKeyVerificationStrategy), ["approvedHostKeys"]);
        assert.equal(pinnedVersion("git-client"), "6.6.1");
    });

    test("github: unclassified.gitHubPluginConfig.hookSecretConfigs[].credentialsId names the Secret-text credential", () => {
        // jenkinsci/github-plugin at v1.47.0: src/main/java/org/jenkinsci/plugins/github/config/GitHubPluginConfig.java
        // lines 62-63 (@Extension GlobalConfiguration, no @Symbol -> "gitHubPluginConfig"), line 330 setHookSecretConfigs;
        // HookSecretConfig.java lines 31-32 @DataBoundConstructor HookSecretConfig(credentialsId, signatureAlgorithm).
        const hooks = casc.unclassified.gitHubPluginConfig.hookSecretConfigs;
        assert.equal(hooks.length, 1);
        assertKeysWithin(hooks[0], ["credentialsId", "signatureAlgorithm"], "hookSecretConfigs[]");
        assert.deepEqual(
            credentialsOfKind("string").map((c) => c.id),
            [hooks[0].credentialsId],
        );
        assert.equal(pinnedVersion("github"), "1.47.0");
    });

    test("github: deliveries are signature-checked only when a hook secret is configured, so GitHub mode requires one", () => {
        // jenkinsci/github-plugin at v1.47.0, src/main/java/org/jenkinsci/plugins/github/webhook/RequirePostWithGHHookPayload.java
        // lines 158-160: shouldProvideValidSignature checks X-Hub-Signature-256 only `if (!secretConfigs.isEmpty())`.
        const [secret] = credentialsOfKind("string");
        assert.equal(secret.secret, `\${${SECRET_NAMES.githubWebhookSecret}}`);
    });

    test("github and git: job XML elements are the pinned classes' XStream fields", () => {
        // jenkinsci/github-plugin v1.47.0: src/main/java/com/cloudbees/jenkins/GitHubPushTrigger.java lines 70-71
        // (@DataBoundConstructor GitHubPushTrigger(), a Trigger with core's spec); GithubProjectProperty.java line 34 projectUrl.
        // jenkinsci/git-plugin git-5.10.1: src/main/java/hudson/plugins/git/GitSCM.java lines 133, 137, 142, 143, 162
        // (configVersion, userRemoteConfigs, branches, doGenerateSubmoduleConfigurations, extensions);
        // UserRemoteConfig.java lines 54-55 (url, credentialsId); BranchSpec.java line 39 (name).
        assert.match(
            firstJob,
            /<com\.cloudbees\.jenkins\.GitHubPushTrigger>\s*<spec\/>\s*<\/com\.cloudbees\.jenkins\.GitHubPushTrigger>/,
        );
        assert.match(firstJob, /<com\.coravy\.hudson\.plugins\.github\.GithubProjectProperty>\s*<projectUrl>/);
        const scm = /<scm class="hudson\.plugins\.git\.GitSCM">([\s\S]*?)<\/scm>/.exec(firstJob)?.[1] ?? "";
        const topLevel = [...scm.matchAll(/^ {4}<([A-Za-z.]+)/gm)].map((match) => match[1]);
        assert.deepEqual(topLevel, [
            "configVersion",
            "userRemoteConfigs",
            "branches",
            "doGenerateSubmoduleConfigurations",
            "extensions",
        ]);
        assert.match(
            scm,
            /<hudson\.plugins\.git\.UserRemoteConfig>\s*<url>[^<]+<\/url>\s*<credentialsId>[^<]+<\/credentialsId>/,
        );
        assert.match(scm, /<hudson\.plugins\.git\.BranchSpec>\s*<name>[^<]+<\/name>/);
        assert.equal(pinnedVersion("git"), "5.10.1");
    });

    test("description-setter: the test job's publisher sets the description from the first log line matching the verdict pattern", () => {
        // jenkinsci/description-setter-plugin at 264.v1957f215dcd5 (the BOM's pin, read exactly):
        // src/main/java/hudson/plugins/descriptionsetter/DescriptionSetterPublisher.java lines 34-40: the XStream fields regexp,
        // regexpForFailed, description, descriptionForFailed, setForMatrix, appendMode; lines 72-75: regexpForFailed is used only
        // when the result is worse than UNSTABLE, so an UNSTABLE build (failed gate) uses regexp.
        // DescriptionSetterHelper.java lines 114-117: Pattern.compile(regexp), each log line in turn, the first find() wins;
        // lines 127-132: with no description the text is group 1 ("\\1").
        const testJob = rendered.jobs.test;
        const publisher =
            /<hudson\.plugins\.descriptionsetter\.DescriptionSetterPublisher>([\s\S]*?)<\/hudson\.plugins\.descriptionsetter\.DescriptionSetterPublisher>/.exec(
                testJob,
            )?.[1] ?? "";
        const fields = [...publisher.matchAll(/^ {6}<([A-Za-z]+)/gm)].map((match) => match[1]);
        assert.deepEqual(fields, ["regexp", "regexpForFailed", "setForMatrix", "appendMode"]);
        assert.ok(
            fields.every((field) =>
                [
                    "regexp",
                    "regexpForFailed",
                    "description",
                    "descriptionForFailed",
                    "setForMatrix",
                    "appendMode",
                ].includes(field),
            ),
        );
        const regexp = /<regexp>([^<]+)<\/regexp>/.exec(publisher)?.[1] ?? "";
        assert.equal(
            /<regexpForFailed>([^<]+)<\/regexpForFailed>/.exec(publisher)?.[1],
            regexp,
            "a FAILURE build that printed a verdict is described the same way",
        );
        assert.doesNotMatch(publisher, /<description>/, "the description is the match's group 1");
        // The line promote.py prints (ml/adult_pipeline/promotion/champion_challenger.py verdict_line), as the helper matches it:
        const line =
            "verdict: validation_acc 0.8724, test_acc 0.8720: promoted, v1 is the champion (first model: the gate passed and the registry has no champion)";
        assert.equal(new RegExp(regexp).exec(line)?.[1], line.slice("verdict: ".length));
        assert.equal(
            new RegExp(regexp).exec('{"validation_acc": 0.87, "verdict": "promoted"}'),
            null,
            "the metrics JSON line does not match first",
        );
        assert.equal(pinnedVersion("description-setter"), "264.v1957f215dcd5");
        assert.equal(lock.plugins["description-setter"].source?.exact ?? true, true);
    });

    test("configuration-as-code: ${name} is read from /run/secrets/name", () => {
        // jenkinsci/configuration-as-code-plugin at 2117.vc05a_0b_e6b_f4e,
        // plugin/src/main/java/io/jenkins/plugins/casc/impl/secrets/DockerSecretSource.java lines 21-27
        // (DOCKER_SECRETS = "/run/secrets/", unless the SECRETS environment variable says otherwise) and
        // lines 35-38 (reveal(name) reads the file <dir>/<name>, trimmed).
        assert.equal(SECRETS_DIR, "/run/secrets");
        assert.doesNotMatch(dockerfile, /\bSECRETS=/, "the image must not move the secret directory");
        const refs = [...rendered.cascYaml.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1]);
        assert.ok(refs.length > 0);
        for (const name of refs)
            assert.ok(Object.values(SECRET_NAMES).includes(name as never), `${name} is not a secret file name`);
        assert.equal(pinnedVersion("configuration-as-code"), "2117.vc05a_0b_e6b_f4e");
    });

    test("official image: ref/*.override files are copied into JENKINS_HOME at every start", () => {
        // jenkinsci/docker at tag 2.568.2: jenkins.sh line 18 runs copy_reference_file on every file under
        // $REF (default /usr/share/jenkins/ref, debian/Dockerfile lines 100-104) at each start;
        // jenkins-support lines 97-100 strip ".override" from the target name and lines 173-178 copy when
        // the target is missing or the source ends in .override.
        assert.equal(JENKINS_REF_DIR, "/usr/share/jenkins/ref");
        assert.doesNotMatch(dockerfile, /^ENV\s+.*\bREF=/m, "the image must not move the reference directory");
        const jobFiles = rendered.controllerFiles.filter((file) => file.path.startsWith(`${JENKINS_REF_DIR}/`));
        assert.equal(jobFiles.length, 4);
        for (const file of jobFiles)
            assert.match(file.path, /^\/usr\/share\/jenkins\/ref\/jobs\/[^/]+\/config\.xml\.override$/);
    });

    test("official image: the debian -jdk21 image has curl for the health check", () => {
        // jenkinsci/docker at tag 2.568.2: debian/Dockerfile lines 61-66 install curl in the controller stage;
        // docker-bake.hcl line 372 debian_tags publishes <version>-jdk21 from it (the alpine and rhel
        // variants carry their name in the tag).
        assert.match(dockerfile, /^ARG JENKINS_BASE_IMAGE=jenkins\/jenkins:\d+\.\d+\.\d+-jdk21$/m);
        const component = fs.readFileSync(path.join(repoRoot, "components", "jenkins.ts"), "utf8");
        assert.match(component, /"CMD-SHELL", `curl --fail /);
    });

    test("official image: jenkins-plugin-cli installs plugins.txt at build time", () => {
        // jenkinsci/docker at tag 2.568.2: debian/Dockerfile line 152 installs jenkins-plugin-cli.sh as
        // /bin/jenkins-plugin-cli, which runs the plugin installation manager jar (lines 128-131).
        assert.match(dockerfile, /^RUN jenkins-plugin-cli --plugin-file \/usr\/share\/jenkins\/ref\/plugins\.txt/m);
    });

    test("every pinned plugin needs a core no newer than the pinned LTS", () => {
        // Each plugin's Jenkins-Version is its pom's jenkins.version (maven-hpi-plugin,
        // AbstractJenkinsManifestMojo.java line 225); the lock records it per plugin.
        for (const [id, plugin] of Object.entries<Tree>(lock.plugins)) {
            if (plugin.requiredCore !== null)
                assert.ok(versionAtLeast(lock.core.version, plugin.requiredCore), `${id} needs ${plugin.requiredCore}`);
        }
    });
});

describe("Jenkins core semantics the build hosts' chains rely on", () => {
    // jenkinsci/jenkins core/src/main/java/hudson/model/AbstractProject.java, getCauseOfBlockage and
    // getBuildingDownstream: a job with blockBuildWhenDownstreamBuilding waits while any project of ITS
    // transitive downstream (the dependency graph of its triggers) is building or queued. Each host's
    // first job must therefore have exactly its own chain downstream: then it waits for its chain only,
    // and the hosts' chains run at the same time. (Read at the core source the code search holds, not at
    // the pinned LTS tag, like the other core facts in the header.)
    test("each host's first job has exactly its own chain as its transitive downstream", () => {
        const settings = jenkinsSettingsFor({
            buildHosts: JSON.stringify([
                "unix:///var/run/docker.sock",
                "unix:///tmp/e/docker.sock?name=second&agent=127.0.0.1:2222",
            ]),
        });
        const jobs = Object.fromEntries(
            Object.entries(renderJenkins(settings).jobs).map(([name, xml]) => [name, summariseJob(xml)]),
        );
        const downstreamOf = (job: string): string[] =>
            Object.keys(jobs).filter((other) => jobs[other].upstream?.projects.includes(job));
        const transitive = (job: string): string[] => downstreamOf(job).flatMap((next) => [next, ...transitive(next)]);
        assert.deepEqual(transitive("github-to-container"), ["preprocessing", "train", "test"]);
        assert.deepEqual(transitive("github-to-container-on-second"), [
            "preprocessing-on-second",
            "train-on-second",
            "test-on-second",
        ]);
        for (const first of ["github-to-container", "github-to-container-on-second"]) {
            assert.equal(jobs[first].blockBuildWhenDownstreamBuilding, true, first);
        }
    });
});
