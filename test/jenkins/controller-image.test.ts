/**
 * The controller image's official base cannot be pulled here (no Docker Hub, no Jenkins update center),
 * so its Dockerfile and plugins.txt are checked against what the rendered configuration needs; it is
 * built and run on the Jenkins stand-in by standin.docker.test.ts.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { renderJenkins } from "../../jenkins/render";
import { CASC_PATH } from "../../jenkins/settings";
import { repoRoot } from "../support/paths";
import { gitHubSettings, signedUrlSettings } from "./fixtures";

const dockerfile = fs
    .readFileSync(path.join(repoRoot, "jenkins", "Dockerfile"), "utf8")
    .split("\n")
    .filter((line) => !line.startsWith("#"))
    .join("\n");
const pluginLines = fs
    .readFileSync(path.join(repoRoot, "jenkins", "plugins.txt"), "utf8")
    .trim()
    .split("\n");
const plugins = new Map(pluginLines.map((line) => line.split(":") as [string, string]));

/** What in the rendered output needs which plugin (anything else used is Jenkins core). */
const neededPlugins: [RegExp, string][] = [
    [/^credentials:/m, "configuration-as-code"],
    [/^credentials:/m, "credentials"],
    [/basicSSHUserPrivateKey:/, "ssh-credentials"],
    [/- string:/, "plain-credentials"],
    [/launcher:\n\s+ssh:/, "ssh-slaves"],
    [/hudson\.plugins\.git\.GitSCM|gitHostKeyVerificationConfiguration/, "git"],
    [/com\.cloudbees\.jenkins\.GitHubPushTrigger|gitHubPluginConfig/, "github"],
    [/org\.jenkinsci\.plugins\.credentialsbinding\.impl\.SecretBuildWrapper/, "credentials-binding"],
];

describe("controller image", () => {
    test("based on a pinned LTS with JDK 21, overridable by build argument", () => {
        // jenkinsci/docker publishes -jdk21 and -jdk25 tags only (docker-bake.hcl, jdks_to_build = [21, 25]).
        assert.match(dockerfile, /^ARG JENKINS_BASE_IMAGE=jenkins\/jenkins:\d+\.\d+\.\d+-jdk21$/m);
        assert.match(dockerfile, /^FROM \$\{JENKINS_BASE_IMAGE\}$/m);
    });

    test("JCasC from CASC_PATH, no setup wizard, ends as the jenkins user, no sudo", () => {
        assert.match(dockerfile, new RegExp(`CASC_JENKINS_CONFIG=${CASC_PATH}\\b`));
        assert.match(dockerfile, /-Djenkins\.install\.runSetupWizard=false/);
        const users = [...dockerfile.matchAll(/^USER (\S+)$/gm)].map((match) => match[1]);
        assert.equal(users[users.length - 1], "jenkins");
        assert.doesNotMatch(dockerfile, /sudo/);
    });

    // configuration-as-code 2117.vc05a_0b_e6b_f4e SecretSourceResolver.UnresolvedLookup: unless strict, an unresolved
    // `${name}` is logged as a WARNING and configured as an empty string (an admin password, a private key).
    test("JCasC resolves strictly: a missing secret stops the configuration instead of becoming empty", () => {
        assert.match(dockerfile, /^\s*CASC_STRICT_SECRET_RESOLUTION=true\b/m);
    });

    test("plugins installed from plugins.txt, each pinned to an exact version", () => {
        assert.match(dockerfile, /jenkins-plugin-cli --plugin-file \/usr\/share\/jenkins\/ref\/plugins\.txt/);
        assert.equal(plugins.size, pluginLines.length, "a plugin is listed twice");
        for (const line of pluginLines) {
            assert.match(line, /^[a-z0-9-]+:[0-9][0-9A-Za-z._-]*$/, `${line} is not id:exact-version`);
        }
    });

    test("every plugin the rendered configuration and jobs need is listed", () => {
        // GitHub mode, and a signed data URL (its credential bound in the first job).
        const everything = [gitHubSettings, signedUrlSettings]
            .flatMap((settings) => {
                const rendered = renderJenkins(settings);
                return [rendered.cascYaml, ...Object.values(rendered.jobs)];
            })
            .join("\n");
        for (const [usage, plugin] of neededPlugins) {
            assert.match(everything, usage, `the check for ${plugin} no longer matches the rendered output`);
            assert.ok(plugins.has(plugin), `${plugin} is used but not in plugins.txt`);
        }
    });
});
