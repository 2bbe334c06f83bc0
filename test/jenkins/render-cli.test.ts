import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import YAML from "yaml";
import { JOB_NAMES } from "../../jenkins/jobs";
import { renderCli } from "../../jenkins/render-cli";
import { repoRoot } from "../support/paths";
import { summariseJob } from "./jobXml";

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "render-jenkins-"));
after(() => fs.rmSync(workDir, { recursive: true, force: true }));

/** The CLI in this process (starting node for each run costs a second): its status and what it printed. */
function render(...args: string[]) {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const status = renderCli(args, {
        log: (line) => stdout.push(`${line}\n`),
        error: (line) => stderr.push(`${line}\n`),
    });
    return { status, stdout: stdout.join(""), stderr: stderr.join("") };
}

/** The CLI as npm run render:jenkins starts it. */
function renderProcess(...args: string[]) {
    return spawnSync(process.execPath, ["--import", "tsx", path.join(repoRoot, "jenkins", "render-cli.ts"), ...args], {
        cwd: repoRoot,
        encoding: "utf8",
    });
}

/** A Pulumi.<stack>.yaml in the scratch folder, GitHub mode plus `config` (keys without the project prefix). */
function gitHubStackFile(stack: string, config: Record<string, unknown>): string {
    const file = path.join(workDir, `Pulumi.${stack}.yaml`);
    const settings = {
        githubRepository: "acme/adult-mlops",
        jenkinsPublicUrl: "https://jenkins.example.org/",
        ...config,
    };
    fs.writeFileSync(
        file,
        YAML.stringify({
            config: Object.fromEntries(Object.entries(settings).map(([key, value]) => [`adult-mlops:${key}`, value])),
        }),
    );
    return file;
}

function filesUnder(dir: string): string[] {
    return fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
        .sort();
}

describe("npm run render:jenkins", () => {
    test("writes casc/jenkins.yaml and jobs/<name>/config.xml with local defaults, and can run again over them", () => {
        const out = path.join(workDir, "defaults");
        for (let run = 0; run < 2; run++) {
            // The second run as npm starts it: its exit status is the process's.
            const result = run === 0 ? render(out) : renderProcess(out);
            assert.equal(result.status, 0, result.stderr);
        }
        assert.deepEqual(
            filesUnder(out),
            ["casc/jenkins.yaml", ...JOB_NAMES.map((name) => `jobs/${name}/config.xml`)].sort(),
        );
        const casc = YAML.parse(fs.readFileSync(path.join(out, "casc", "jenkins.yaml"), "utf8"));
        assert.equal(casc.jenkins.numExecutors, 0);
        const first = summariseJob(
            fs.readFileSync(path.join(out, "jobs", "github-to-container", "config.xml"), "utf8"),
        );
        assert.equal(first.scm.class, "hudson.scm.NullSCM");
    });

    test("takes a stack's settings file (Pulumi.<stack>.yaml), over Pulumi.yaml's defaults", () => {
        const stackFile = gitHubStackFile("staging", {
            threshold: "0.9",
            jenkinsAdminPassword: { secure: "v1:ignored" },
        });
        const out = path.join(workDir, "github");
        const result = render(out, stackFile);
        assert.equal(result.status, 0, result.stderr);
        const first = summariseJob(
            fs.readFileSync(path.join(out, "jobs", "github-to-container", "config.xml"), "utf8"),
        );
        assert.deepEqual(first.scm.branches, ["*/main"]);
        const casc = fs.readFileSync(path.join(out, "casc", "jenkins.yaml"), "utf8");
        assert.match(casc, /key: THRESHOLD\n\s+value: "0\.9"/);
        assert.match(
            casc,
            /key: MODEL_CONTAINER\n\s+value: adult-mlops-staging-model\n/,
            "names follow the stack's name",
        );
    });

    // Catches a list setting dropped (the file holds it as a YAML list, the program reads it as JSON).
    test("takes build hosts as the stack file lists them: one chain of jobs per host", () => {
        const stackFile = gitHubStackFile("hosts", {
            buildHosts: ["unix:///var/run/docker.sock", "ssh://ci@gpu-box.example.org?agent=10.0.0.12"],
        });
        const out = path.join(workDir, "hosts");
        const result = render(out, stackFile);
        assert.equal(result.status, 0, result.stderr);
        const jobs = filesUnder(path.join(out, "jobs"))
            .map((file) => file.split("/")[0])
            .sort();
        assert.deepEqual(jobs, [...JOB_NAMES, ...JOB_NAMES.map((name) => `${name}-on-gpu-box`)].sort());
        assert.equal(
            summariseJob(fs.readFileSync(path.join(out, "jobs", "train-on-gpu-box", "config.xml"), "utf8"))
                .assignedNode,
            "docker-gpu-box",
        );
    });

    test("a bad setting: exit 2 from the process, the same one-line message as pulumi up, nothing written", () => {
        const stackFile = path.join(workDir, "Pulumi.bad.yaml");
        fs.writeFileSync(stackFile, YAML.stringify({ config: { "adult-mlops:threshold": "1.5" } }));
        const out = path.join(workDir, "bad");
        const result = renderProcess(out, stackFile);
        assert.equal(result.status, 2);
        assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
        assert.match(
            result.stderr,
            /^render:jenkins: invalid config adult-mlops:threshold = "1\.5": expected a number from 0 to 1/,
        );
        assert.equal(fs.existsSync(out), false);
    });

    test("unreadable settings file or missing OUT_DIR: exit 2", () => {
        assert.equal(render(path.join(workDir, "x"), path.join(workDir, "missing.json")).status, 2);
        assert.equal(render().status, 2);
    });
});
