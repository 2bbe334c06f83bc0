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
import { gitHubSettings, jenkinsSettingsFor, localSettings } from "./fixtures";
import { repoRoot } from "../support/paths";
import { summariseJob } from "./jobXml";

const jjbDir = path.join(__dirname, "jjb");

/**
 * Renders the hand-written JJB definitions (the chain plus one variant of the first job) with jenkins-jobs.
 * They are copied to a scratch folder first, filling in @GATE_FAILED_STATUS@ from the image's contract
 * and pointing the shared shell scripts' includes at jenkins/jobs/.
 */
function renderWithJenkinsJobBuilder(variant: "github" | "local"): Record<string, string> {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "jjb-"));
    try {
        const definitions = path.join(workDir, "definitions");
        fs.mkdirSync(definitions);
        for (const part of ["chain", variant]) {
            for (const file of fs.readdirSync(path.join(jjbDir, part))) {
                const yaml = fs
                    .readFileSync(path.join(jjbDir, part, file), "utf8")
                    .replaceAll("@GATE_FAILED_STATUS@", String(EXIT_STATUS.gateFailed))
                    .replaceAll("@JOB_SCRIPTS@", path.join(repoRoot, "jenkins", "jobs"))
                    .replaceAll("@SCRIPTS@", path.join(repoRoot, "scripts"));
                fs.writeFileSync(path.join(definitions, `${part}-${file}`), yaml);
            }
        }
        const outDir = path.join(workDir, "out");
        execFileSync("jenkins-jobs", ["test", "-o", outDir, definitions], { stdio: ["ignore", "ignore", "pipe"] });
        return Object.fromEntries(fs.readdirSync(outDir).map((name) => [name, fs.readFileSync(path.join(outDir, name), "utf8")]));
    } finally {
        fs.rmSync(workDir, { recursive: true, force: true });
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
        assert.equal(test.shellSteps[0].unstableReturn, EXIT_STATUS.gateFailed);
        assert.match(test.shellSteps[0].command, /python3 gate\.py/);
        assert.deepEqual(test.archive, { artifacts: "results/*", allowEmptyArchive: false, onlyIfSuccessful: false });
        assert.equal(test.descriptionSetter?.regexp, "^verdict: (.*)$");
        const local = summariseJob(renderJenkins(localSettings).jobs["github-to-container"]);
        assert.equal(local.customWorkspace, "/srv/adult-mlops/project");
        assert.equal(local.scm.class, "hudson.scm.NullSCM");
        assert.equal(local.gitHubPushTrigger, false);
    });

    test("a different branch or repository in settings breaks the agreement", () => {
        const other = jenkinsSettingsFor({ githubRepository: "acme/other", githubBranch: "dev", jenkinsPublicUrl: "https://jenkins.example.org/" });
        assert.throws(() => assertAgreement("github", other), /github-to-container differs/);
    });
});
