import * as fs from "node:fs";
import * as path from "node:path";
import { EXIT_STATUS } from "../contracts/modelImage";
import { FreestyleJob, renderFreestyleJob } from "./freestyle";
import { JenkinsSettings, SECRET_NAMES } from "./settings";
import { element, XmlElement } from "./xml";

/** The chain, in order: each job after the first starts when the one before it succeeds. */
export const JOB_NAMES = ["github-to-container", "preprocessing", "train", "test"] as const;
export type JobName = (typeof JOB_NAMES)[number];

/** Label of the SSH agent, the only node with executors. */
export const AGENT_LABEL = "docker";

/** Shell steps live as real scripts in jenkins/jobs/ (linted, and shared with the JJB definitions in the tests). */
const JOB_SCRIPTS_DIR = path.join(__dirname, "jobs");
/** How every caller runs the model container and explains its failures; its #! line starts each step. */
const MODEL_CONTAINER_LIBRARY = path.join(__dirname, "..", "scripts", "model-container.sh");

/**
 * A job's shell step: scripts/model-container.sh, then the job's script (whose own #! line becomes a
 * comment), joined as Jenkins Job Builder's `!include-raw: [a, b]` joins them. Every job gets the
 * library this way because only the first job's workspace is the project.
 */
function jobScript(file: string): string {
    return [MODEL_CONTAINER_LIBRARY, path.join(JOB_SCRIPTS_DIR, file)].map((script) => fs.readFileSync(script, "utf8")).join("\n");
}

function gitScm(github: NonNullable<JenkinsSettings["github"]>): XmlElement {
    return element(
        "scm",
        [
            element("configVersion", "2"),
            element("userRemoteConfigs", [
                element("hudson.plugins.git.UserRemoteConfig", [
                    element("url", github.cloneUrl),
                    // Each credential's id is the name of the secret file it is read from.
                    element("credentialsId", SECRET_NAMES.githubDeployKey),
                ]),
            ]),
            element("branches", [element("hudson.plugins.git.BranchSpec", [element("name", `*/${github.branch}`)])]),
            element("doGenerateSubmoduleConfigurations", "false"),
            element("extensions"),
        ],
        { class: "hudson.plugins.git.GitSCM" },
    );
}

function afterSuccessOf(upstream: JobName): XmlElement {
    return element("jenkins.triggers.ReverseBuildTrigger", [
        element("spec", ""),
        element("upstreamProjects", upstream),
        element("threshold", [
            element("name", "SUCCESS"),
            element("ordinal", "0"),
            element("color", "BLUE"),
            element("completeBuild", "true"),
        ]),
    ]);
}

function firstJob(settings: JenkinsSettings): FreestyleJob {
    const common = {
        assignedNode: AGENT_LABEL,
        blockWhileDownstreamBuilds: true,
        shell: { command: jobScript("github-to-container.sh") },
    };
    const { github } = settings;
    if (github === undefined) {
        return {
            ...common,
            description: `Builds the model image from ${settings.agent.projectDir}/ml (the project, mounted read-only) and starts the ${settings.names.modelContainer} container. Start it with Build Now.`,
            properties: [],
            triggers: [],
            customWorkspace: settings.agent.projectDir,
        };
    }
    return {
        ...common,
        description: `On every push to ${github.repository}, builds the model image from ml/ and starts the ${settings.names.modelContainer} container.`,
        properties: [
            element("com.coravy.hudson.plugins.github.GithubProjectProperty", [
                element("projectUrl", `https://github.com/${github.repository}/`),
            ]),
        ],
        scm: gitScm(github),
        triggers: [element("com.cloudbees.jenkins.GitHubPushTrigger", [element("spec", "")])],
    };
}

function chainedJob(upstream: JobName, description: string, shell: FreestyleJob["shell"], publishers: XmlElement[] = []): FreestyleJob {
    return {
        description,
        assignedNode: AGENT_LABEL,
        properties: [],
        triggers: [afterSuccessOf(upstream)],
        blockWhileDownstreamBuilds: false,
        shell,
        publishers,
    };
}

/** What gate-and-test.sh copies out of the model container: metrics.json, report.html, the stage metadata. */
export const ARCHIVED_RESULTS = "results/*";
/** The line promote.py prints with the figures and the verdict; its text becomes the build's description. */
export const VERDICT_LINE_PATTERN = "^verdict: (.*)$";

/** Core's artifact archiver; a missing report or metrics file fails the build rather than passing unnoticed. */
function archiveResults(): XmlElement {
    return element("hudson.tasks.ArtifactArchiver", [
        element("artifacts", ARCHIVED_RESULTS),
        element("allowEmptyArchive", "false"),
        element("onlyIfSuccessful", "false"),
        element("fingerprint", "false"),
        element("defaultExcludes", "true"),
        element("caseSensitive", "true"),
        element("followSymlinks", "false"),
    ]);
}

/** description-setter: the first log line matching the pattern sets the build's description to its group 1 (UNSTABLE builds included). */
function describeWithVerdict(): XmlElement {
    return element("hudson.plugins.descriptionsetter.DescriptionSetterPublisher", [
        element("regexp", VERDICT_LINE_PATTERN),
        element("regexpForFailed", VERDICT_LINE_PATTERN),
        element("setForMatrix", "false"),
        element("appendMode", "false"),
    ]);
}

/** The four freestyle jobs' config.xml, keyed by job name in chain order. */
export function renderJobs(settings: JenkinsSettings): Record<JobName, string> {
    const stage = { command: jobScript("run-stage.sh") };
    const jobs: Record<JobName, FreestyleJob> = {
        "github-to-container": firstJob(settings),
        preprocessing: chainedJob("github-to-container", "Runs preprocessing.py in the model container.", stage),
        train: chainedJob("preprocessing", "Runs train.py in the model container.", stage),
        test: chainedJob(
            "train",
            "Runs gate.py, and test.py only when validation accuracy reaches THRESHOLD (else the build is UNSTABLE), then promote.py: the model becomes champion in the registry only if it is not worse than the champion by more than MAX_REGRESSION. Archives the metrics and the report; the description shows the figures and the verdict. Then removes the model container.",
            // gate.py's status for a failed gate marks the build UNSTABLE.
            { command: jobScript("gate-and-test.sh"), unstableReturn: EXIT_STATUS.gateFailed },
            [archiveResults(), describeWithVerdict()],
        ),
    };
    return Object.fromEntries(JOB_NAMES.map((name) => [name, renderFreestyleJob(jobs[name])])) as Record<JobName, string>;
}
