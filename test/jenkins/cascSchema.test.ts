/**
 * The rendered JCasC YAML and job XML use only names the pinned Jenkins core and plugins accept:
 * every mapping is resolved to its class through jenkins/casc-schema.json (read from their sources
 * at the tags plugins.lock.json pins, by jenkins/tools/extract-casc-schema.ts) the way
 * configuration-as-code resolves it, and an unknown, deprecated or restricted attribute, an unknown
 * symbol or an unknown XML element fails with its path and class. configuration-as-code rejects all
 * of those at boot by default (ConfigurationContext: Unknown.reject, Deprecation.reject,
 * Restriction.reject; BaseConfigurator#configure and #handleUnknown), and Jenkins does not start.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import YAML from "yaml";
import { renderJenkins } from "../../jenkins/render";
import { JenkinsSettings } from "../../jenkins/settings";
import { repoRoot } from "../support/paths";
import { gitHubSettings, jenkinsSettingsFor, localSettings, SIGNED_DATA_URL } from "./fixtures";
import { checkCasc, checkJobXml, describeFinding, Finding, loadSchema } from "./schemaCheck";

type Tree = Record<string, any>;

const schema = loadSchema();
const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, "jenkins", "plugins.lock.json"), "utf8"));

const buildHosts = JSON.stringify([
    "unix:///var/run/docker.sock",
    "unix:///tmp/e/docker.sock?name=second&agent=127.0.0.1:2222",
    "unix:///tmp/f/docker.sock?name=third&agent=127.0.0.1:2223",
]);
const threeHosts = jenkinsSettingsFor({ buildHosts });
const gitHubThreeHosts = jenkinsSettingsFor({
    buildHosts,
    githubRepository: "acme/adult-mlops",
    jenkinsPublicUrl: "https://jenkins.example.org/",
});

/** Agents with pinned host keys take the other host key strategy (manuallyProvidedKeyVerificationStrategy). */
function withHostKeys(settings: JenkinsSettings): JenkinsSettings {
    return {
        ...settings,
        agents: settings.agents.map((agent, i) => ({
            ...agent,
            hostKey: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeHostKey${i}`,
        })),
    };
}

const renderings: [string, JenkinsSettings][] = [
    ["local mode", localSettings],
    ["GitHub mode", gitHubSettings],
    ["three build hosts, local mode", threeHosts],
    ["three build hosts, GitHub mode, pinned host keys", withHostKeys(gitHubThreeHosts)],
    // Its credential (plain-credentials' StringCredentialsImpl, GLOBAL) and credentials-binding's wrapper in every first job.
    [
        "a signed data URL, three build hosts, GitHub mode",
        jenkinsSettingsFor({
            buildHosts,
            githubRepository: "acme/adult-mlops",
            jenkinsPublicUrl: "https://jenkins.example.org/",
            dataSource: SIGNED_DATA_URL,
        }),
    ],
];

function cascOf(settings: JenkinsSettings): Tree {
    return YAML.parse(renderJenkins(settings).cascYaml);
}

function assertNoFindings(findings: Finding[]): void {
    assert.deepEqual(findings.map(describeFinding), []);
}

describe("JCasC YAML against the attribute schema of the pinned sources", () => {
    for (const [name, settings] of renderings) {
        test(`${name}: every attribute and symbol resolves to a class and is accepted`, () => {
            assertNoFindings(checkCasc(schema, cascOf(settings)));
        });
    }

    test("the renderings reach every root element: credentials, jenkins, security, unclassified", () => {
        const roots = new Set(renderings.flatMap(([, settings]) => Object.keys(cascOf(settings))));
        assert.deepEqual([...roots].sort(), ["credentials", "jenkins", "security", "unclassified"]);
    });

    test("an attribute the pinned class no longer has fails with its YAML path and class: DefaultCrumbIssuer's excludeClientIPFromCrumb", () => {
        // core at jenkins-2.568.2, core/src/main/java/hudson/security/csrf/DefaultCrumbIssuer.java: since 2.543
        // (jenkinsci/jenkins#25918) the @DataBoundConstructor takes no argument and no setter is left for it.
        const config = cascOf(localSettings);
        config.jenkins.crumbIssuer = { standard: { excludeClientIPFromCrumb: false } };
        const [finding, ...others] = checkCasc(schema, config);
        assert.deepEqual(others, []);
        assert.equal(finding.path, "jenkins.crumbIssuer.standard.excludeClientIPFromCrumb");
        assert.equal(finding.className, "hudson.security.csrf.DefaultCrumbIssuer");
        assert.match(finding.problem, /^unknown attribute/);
    });

    test("a deprecated setter, an unknown symbol and an unknown root fail too", () => {
        const config = cascOf(gitHubSettings);
        // github-plugin v1.47.0 GitHubPluginConfig.java: setOverrideHookUrl and setHookSecretConfig are @Deprecated.
        config.unclassified.gitHubPluginConfig.overrideHookUrl = true;
        config.jenkins.crumbIssuer = { strict: {} };
        config.jenkinss = {};
        const findings = checkCasc(schema, config).map((finding) => [finding.path, finding.className]);
        assert.deepEqual(findings, [
            ["jenkins.crumbIssuer.strict", "hudson.security.csrf.CrumbIssuer"],
            [
                "unclassified.gitHubPluginConfig.overrideHookUrl",
                "org.jenkinsci.plugins.github.config.GitHubPluginConfig",
            ],
            ["jenkinss", "(root)"],
        ]);
    });

    test("the crumb issuer is core's DefaultCrumbIssuer given by its symbol alone", () => {
        // configuration-as-code at 2117.vc05a_0b_e6b_f4e, impl/configurators/HeteroDescribableConfigurator.java:
        // lines 280-299 take a scalar as the symbol with no attributes, lines 103-121 export a describable
        // without attributes that way; demos/embedded-userdatabase/README.md line 17
        // (`authorizationStrategy: loggedInUsersCanDoAnything`) and
        // test-harness/src/test/resources/io/jenkins/plugins/casc/core/ConfigureLabels.yml line 14
        // (`retentionStrategy: "always"`) use that form.
        assert.equal(cascOf(localSettings).jenkins.crumbIssuer, "standard");
        assert.deepEqual(schema.casc.classes["hudson.security.csrf.DefaultCrumbIssuer"].constructorParameters, []);
    });
});

describe("job XML against the XStream fields of the pinned sources", () => {
    for (const [name, settings] of renderings) {
        test(`${name}: every element of every job is a field of its class`, () => {
            const jobs = renderJenkins(settings).jobs;
            assert.ok(Object.keys(jobs).length >= 4);
            assertNoFindings(
                Object.entries(jobs).flatMap(([job, xml]) =>
                    checkJobXml(schema, xml).map((finding) => ({ ...finding, path: `${job}:${finding.path}` })),
                ),
            );
        });
    }

    test("an element that is no field, or an item of the wrong type, fails with its path and class", () => {
        const xml = renderJenkins(localSettings)
            .jobs.test.replace("<canRoam>", "<roam>false</roam>\n  <canRoam>")
            .replace("<builders>", "<builders>\n    <hudson.tasks.LogRotator/>");
        const findings = checkJobXml(schema, xml).map((finding) => [finding.path, finding.className]);
        assert.deepEqual(findings, [
            ["project/roam", "hudson.model.FreeStyleProject"],
            ["project/builders/hudson.tasks.LogRotator", "hudson.tasks.LogRotator"],
        ]);
    });

    test("the build discarder's strategy is checked as LogRotator's fields", () => {
        // core at jenkins-2.568.2: jenkins/model/BuildDiscarderProperty.java (strategy), hudson/tasks/LogRotator.java
        // (daysToKeep, numToKeep, artifactDaysToKeep, artifactNumToKeep, removeLastBuild).
        const property =
            '<project><properties><jenkins.model.BuildDiscarderProperty><strategy class="hudson.tasks.LogRotator"><daysToKeep>-1</daysToKeep><numToKeep>5</numToKeep><keep>1</keep></strategy></jenkins.model.BuildDiscarderProperty></properties></project>';
        const findings = checkJobXml(schema, property);
        assert.deepEqual(
            findings.map((finding) => [finding.path, finding.className]),
            [
                [
                    "project/properties/jenkins.model.BuildDiscarderProperty/strategy[hudson.tasks.LogRotator]/keep",
                    "hudson.tasks.LogRotator",
                ],
            ],
        );
        const noClass = checkJobXml(schema, property.replace(' class="hudson.tasks.LogRotator"', ""));
        assert.equal(noClass[0].className, "jenkins.model.BuildDiscarder");
    });
});

describe("the schema was read at the pinned versions", () => {
    test("every source's tag, commit and version are the ones plugins.lock.json pins (a version bump needs a new extraction)", () => {
        const { core, ...plugins } = schema.sources;
        assert.deepEqual(core, {
            repository: "jenkinsci/jenkins",
            tag: `jenkins-${lock.core.version}`,
            commit: core.commit,
            version: lock.core.version,
            exact: true,
        });
        assert.match(core.commit, /^[0-9a-f]{40}$/);
        for (const [id, source] of Object.entries(plugins)) {
            const locked = lock.plugins[id];
            assert.ok(locked, `${id} is not in plugins.lock.json`);
            assert.deepEqual(
                source,
                {
                    repository: locked.source.repository,
                    tag: locked.source.tag,
                    commit: locked.source.commit,
                    version: locked.version,
                    exact: locked.source.exact,
                },
                id,
            );
        }
    });

    test("every class and citation names one of those sources", () => {
        const cited = [
            ...Object.values(schema.casc.roots),
            ...Object.values(schema.casc.classes).flatMap((cls) => [cls, cls.configurator, ...cls.attributes]),
            ...Object.values(schema.xstream.aliases),
            ...Object.values(schema.xstream.classes).flatMap((cls) => [cls, ...cls.fields]),
        ];
        for (const citation of cited)
            assert.ok(schema.sources[citation.source], `${citation.path} cites unknown source ${citation.source}`);
    });
});
