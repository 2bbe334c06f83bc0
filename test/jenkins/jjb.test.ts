import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { EXIT_STATUS } from "../../contracts/modelImage";
import { JOB_NAMES } from "../../jenkins/jobs";
import { renderJenkins } from "../../jenkins/render";
import { JenkinsSettings } from "../../jenkins/settings";
import { gitHubSettings, jenkinsSettingsFor, localSettings, SIGNED_DATA_URL, signedUrlSettings } from "./fixtures";
import { repoRoot } from "../support/paths";
import { summariseJob } from "./jobXml";

const jjbDir = path.join(__dirname, "jjb");

/** Two build hosts in local mode: the local engine (first, so pipelineHost) and "second", as test/jenkins/jjb/second-host/ spells it out. */
const twoHostSettingsHosts = JSON.stringify([
    "unix:///var/run/docker.sock",
    "unix:///tmp/engine/docker.sock?name=second&agent=127.0.0.1:2222",
]);
const twoHostSettings: JenkinsSettings = jenkinsSettingsFor({ buildHosts: twoHostSettingsHosts });
const SECOND_SUFFIX = "-on-second";
/** The lines jenkins/jobs.ts puts between model-container.sh and the job's script on a host without the registry, with the newline !include-raw's join adds. */
const WITHOUT_REGISTRY = fs.readFileSync(path.join(jjbDir, "second-host", "without-registry.sh.inc"), "utf8") + "\n";
/** What opens every job's step, followed by the newline of the join. */
const MODEL_CONTAINER_LIBRARY = fs.readFileSync(path.join(repoRoot, "scripts", "model-container.sh"), "utf8") + "\n";

/** Which hand-written definitions describe a stack: the chain's templates and the first host's project, the first job's variant, any other host's project. */
type Variant = { firstJob: "github" | "local" | "signed-url"; otherHosts: "second-host"[] };

/**
 * Renders the hand-written JJB definitions with jenkins-jobs. Their YAML files are copied to a
 * scratch folder first, filling in @GATE_FAILED_STATUS@ from the image's contract and pointing the
 * includes at the shared shell scripts (jenkins/jobs/, scripts/) and at the fixtures next to them (@JJB@).
 */
function renderWithJenkinsJobBuilder(variant: Variant): Record<string, string> {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "jjb-"));
    try {
        const definitions = path.join(workDir, "definitions");
        fs.mkdirSync(definitions);
        for (const part of ["chain", variant.firstJob, ...variant.otherHosts]) {
            for (const file of fs.readdirSync(path.join(jjbDir, part)).filter((name) => name.endsWith(".yaml"))) {
                const yaml = fs
                    .readFileSync(path.join(jjbDir, part, file), "utf8")
                    .replaceAll("@GATE_FAILED_STATUS@", String(EXIT_STATUS.gateFailed))
                    .replaceAll("@JOB_SCRIPTS@", path.join(repoRoot, "jenkins", "jobs"))
                    .replaceAll("@SCRIPTS@", path.join(repoRoot, "scripts"))
                    .replaceAll("@JJB@", jjbDir);
                fs.writeFileSync(path.join(definitions, `${part}-${file}`), yaml);
            }
        }
        const outDir = path.join(workDir, "out");
        execFileSync("jenkins-jobs", ["test", "-o", outDir, definitions], { stdio: ["ignore", "ignore", "pipe"] });
        return Object.fromEntries(
            fs.readdirSync(outDir).map((name) => [name, fs.readFileSync(path.join(outDir, name), "utf8")]),
        );
    } finally {
        fs.rmSync(workDir, { recursive: true, force: true });
    }
}

/** Every job name of a stack: the chain once per agent, with that agent's suffix. */
function jobNamesOf(settings: JenkinsSettings): string[] {
    return settings.agents.flatMap((agent) => JOB_NAMES.map((name) => `${name}${agent.jobSuffix}`));
}

function assertAgreement(variant: Variant, settings: JenkinsSettings): void {
    const ours = renderJenkins(settings).jobs;
    const theirs = renderWithJenkinsJobBuilder(variant);
    const names = jobNamesOf(settings);
    assert.deepEqual(Object.keys(ours).sort(), [...names].sort());
    assert.deepEqual(Object.keys(theirs).sort(), [...names].sort());
    for (const name of names) {
        assert.deepEqual(
            summariseJob(ours[name]),
            summariseJob(theirs[name]),
            `job ${name} differs from its JJB definition`,
        );
    }
}

/**
 * The second host's chain is the first's but for what makes it the second host's: every name (and so
 * every upstream) carries -on-second, every job is bound to docker-second, and every step has the
 * lines that leave the registry out between model-container.sh and the job's script. Anything else
 * differing, or these differing otherwise, fails.
 */
function assertSecondChainMirrorsFirst(jobs: Record<string, string>): void {
    for (const name of JOB_NAMES) {
        const first = summariseJob(jobs[name]);
        const second = summariseJob(jobs[`${name}${SECOND_SUFFIX}`]);
        assert.equal(first.assignedNode, "docker", `${name} is bound to the first host's label`);
        assert.equal(
            second.assignedNode,
            "docker-second",
            `${name}${SECOND_SUFFIX} is bound to the second host's label`,
        );
        assert.equal(
            second.upstream === undefined,
            first.upstream === undefined,
            `${name}: only the first job of a chain has no upstream`,
        );
        if (first.upstream !== undefined && second.upstream !== undefined) {
            assert.deepEqual(
                second.upstream.projects,
                first.upstream.projects.map((project) => `${project}${SECOND_SUFFIX}`),
                `${name}${SECOND_SUFFIX} follows its own chain`,
            );
            assert.ok(
                first.upstream.projects.every((project) => (JOB_NAMES as readonly string[]).includes(project)),
                `${name} follows the first chain`,
            );
        }
        for (const [index, step] of second.shellSteps.entries()) {
            assert.ok(
                step.command.startsWith(MODEL_CONTAINER_LIBRARY + WITHOUT_REGISTRY),
                `${name}${SECOND_SUFFIX} step ${index} leaves the registry out right after model-container.sh`,
            );
            assert.equal(
                step.command.split(WITHOUT_REGISTRY).length,
                2,
                `${name}${SECOND_SUFFIX} step ${index} leaves the registry out once`,
            );
        }
        for (const [index, step] of first.shellSteps.entries()) {
            assert.ok(!step.command.includes(WITHOUT_REGISTRY), `${name} step ${index} keeps the registry`);
        }
        const withoutHostDifferences = {
            ...second,
            assignedNode: first.assignedNode,
            upstream: first.upstream,
            shellSteps: second.shellSteps.map((step) => ({
                ...step,
                command: step.command.replace(MODEL_CONTAINER_LIBRARY + WITHOUT_REGISTRY, MODEL_CONTAINER_LIBRARY),
            })),
        };
        assert.deepEqual(
            withoutHostDifferences,
            first,
            `${name}${SECOND_SUFFIX} differs from ${name} in more than its host`,
        );
    }
}

function descriptionOf(configXml: string): string {
    return /<description>([^<]*)<\/description>/.exec(configXml)?.[1] ?? "";
}

describe("the rendered jobs agree with the hand-written Jenkins Job Builder definitions", () => {
    test("GitHub mode", () => assertAgreement({ firstJob: "github", otherHosts: [] }, gitHubSettings));
    test("local mode", () => assertAgreement({ firstJob: "local", otherHosts: [] }, localSettings));
    test("local mode on two build hosts: a chain per host, the second's named for it, bound to its label and without the registry", () =>
        assertAgreement({ firstJob: "local", otherHosts: ["second-host"] }, twoHostSettings));

    test("local mode with a signed data URL: the first job binds its credential to DATA_URL", () =>
        assertAgreement({ firstJob: "signed-url", otherHosts: [] }, signedUrlSettings));
    test("a signed data URL on two build hosts: every chain's first job binds it", () =>
        assertAgreement(
            { firstJob: "signed-url", otherHosts: ["second-host"] },
            jenkinsSettingsFor({ dataSource: SIGNED_DATA_URL, buildHosts: twoHostSettingsHosts }),
        ));

    test("the two hosts' chains differ only in names, upstreams, labels, descriptions and the registry lines", () => {
        const ours = renderJenkins(twoHostSettings).jobs;
        assertSecondChainMirrorsFirst(ours);
        assertSecondChainMirrorsFirst(renderWithJenkinsJobBuilder({ firstJob: "local", otherHosts: ["second-host"] }));
        // Descriptions are in neither the summaries nor the JJB definitions: the second chain's name their host.
        for (const name of JOB_NAMES) {
            assert.match(descriptionOf(ours[`${name}${SECOND_SUFFIX}`]), / on build host second\b/, name);
            assert.doesNotMatch(descriptionOf(ours[name]), /build host/, name);
        }
    });

    test("the comparison sees what matters (it is not comparing empty summaries)", () => {
        const first = summariseJob(renderJenkins(gitHubSettings).jobs["github-to-container"]);
        assert.deepEqual(first.scm.remotes, [
            { url: "git@github.com:acme/adult-mlops.git", credentialsId: "github-deploy-key" },
        ]);
        assert.deepEqual(first.scm.branches, ["*/main"]);
        assert.equal(first.gitHubPushTrigger, true);
        const test = summariseJob(renderJenkins(gitHubSettings).jobs.test);
        assert.deepEqual(test.upstream, { projects: ["train"], threshold: "SUCCESS" });
        assert.equal(test.shellSteps[0].unstableReturn, EXIT_STATUS.gateFailed);
        assert.match(test.shellSteps[0].command, /python3 gate\.py/);
        assert.deepEqual(test.archive, { artifacts: "results/*", allowEmptyArchive: false, onlyIfSuccessful: false });
        assert.equal(test.descriptionSetter?.regexp, "^verdict: (.*)$");
        const local = summariseJob(renderJenkins(localSettings).jobs["github-to-container"]);
        assert.equal(local.customWorkspace, "/srv/adult-mlops/project");
        assert.equal(local.scm.class, "hudson.scm.NullSCM");
        assert.equal(local.gitHubPushTrigger, false);
        assert.deepEqual([local.buildWrappers, local.credentialBindings], [[], []]);
        const signed = summariseJob(renderJenkins(signedUrlSettings).jobs["github-to-container"]);
        assert.deepEqual(signed.buildWrappers, ["org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper"]);
        assert.deepEqual(signed.credentialBindings, [
            {
                binding: "org.jenkinsci.plugins.credentialsbinding.impl.StringBinding",
                variable: "DATA_URL",
                credentialsId: "data-source-url",
            },
        ]);
    });

    test("the first job without its binding, or a binding where there is no signed URL, breaks the agreement", () => {
        assert.throws(
            () => assertAgreement({ firstJob: "local", otherHosts: [] }, signedUrlSettings),
            /github-to-container differs/,
        );
        assert.throws(
            () => assertAgreement({ firstJob: "signed-url", otherHosts: [] }, localSettings),
            /github-to-container differs/,
        );
    });

    test("a different branch or repository in settings breaks the agreement", () => {
        const other = jenkinsSettingsFor({
            githubRepository: "acme/other",
            githubBranch: "dev",
            jenkinsPublicUrl: "https://jenkins.example.org/",
        });
        assert.throws(
            () => assertAgreement({ firstJob: "github", otherHosts: [] }, other),
            /github-to-container differs/,
        );
    });
});
