import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { JOB_NAMES } from "../../jenkins/jobs";
import { renderJenkins } from "../../jenkins/render";
import { JenkinsSettings } from "../../jenkins/settings";
import { gitHubSettings, localSettings } from "./fixtures";
import { summariseJob } from "./jobXml";

const jjbDir = path.join(__dirname, "jjb");

/** Renders the hand-written JJB definitions (the chain plus one variant of the first job) with jenkins-jobs. */
function renderWithJenkinsJobBuilder(variant: "github" | "local"): Record<string, string> {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "jjb-"));
    try {
        const definitions = [path.join(jjbDir, "chain"), path.join(jjbDir, variant)].join(path.delimiter);
        execFileSync("jenkins-jobs", ["test", "-o", outDir, definitions], { stdio: ["ignore", "ignore", "pipe"] });
        return Object.fromEntries(fs.readdirSync(outDir).map((name) => [name, fs.readFileSync(path.join(outDir, name), "utf8")]));
    } finally {
        fs.rmSync(outDir, { recursive: true, force: true });
    }
}

function assertAgreement(variant: "github" | "local", settings: JenkinsSettings): void {
    const ours = renderJenkins(settings).jobs;
    const theirs = renderWithJenkinsJobBuilder(variant);
    assert.deepEqual(Object.keys(theirs).sort(), [...JOB_NAMES].sort());
    for (const name of JOB_NAMES) {
        assert.deepEqual(summariseJob(ours[name]), summariseJob(theirs[name]), `job ${name} differs from its JJB definition`);
    }
}

describe("the rendered jobs agree with the hand-written Jenkins Job Builder definitions", () => {
    test("GitHub mode", () => assertAgreement("github", gitHubSettings));
    test("local mode", () => assertAgreement("local", localSettings));

    test("the comparison sees what matters (it is not comparing empty summaries)", () => {
        const first = summariseJob(renderJenkins(gitHubSettings).jobs["github-to-container"]);
        assert.deepEqual(first.scm.remotes, [{ url: "git@github.com:acme/adult-mlops.git", credentialsId: "github-deploy-key" }]);
        assert.deepEqual(first.scm.branches, ["*/main"]);
        assert.equal(first.gitHubPushTrigger, true);
        const test = summariseJob(renderJenkins(gitHubSettings).jobs.test);
        assert.deepEqual(test.upstream, { projects: ["train"], threshold: "SUCCESS" });
        assert.equal(test.shellSteps[0].unstableReturn, 3);
        assert.match(test.shellSteps[0].command, /python3 gate\.py/);
        const local = summariseJob(renderJenkins(localSettings).jobs["github-to-container"]);
        assert.equal(local.customWorkspace, "/srv/adult-mlops/project");
        assert.equal(local.scm.class, "hudson.scm.NullSCM");
        assert.equal(local.gitHubPushTrigger, false);
    });

    test("a different branch or repository in settings breaks the agreement", () => {
        const other: JenkinsSettings = { ...gitHubSettings, github: { repository: "acme/other", branch: "dev", hookSecretConfigured: true } };
        assert.throws(() => assertAgreement("github", other), /github-to-container differs/);
    });
});
