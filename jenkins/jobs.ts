import * as fs from "node:fs";
import * as path from "node:path";
import { signedDataUrl } from "../contracts/dataPreparation";
import { EXIT_STATUS } from "../contracts/modelImage";
import { FreestyleJob, renderFreestyleJob } from "./freestyle";
import { AgentSettings, JenkinsSettings, SECRET_NAMES } from "./settings";
import { element, XmlElement } from "./xml";

/** The chain, in order: each job after the first starts when the one before it succeeds. */
export const JOB_NAMES = ["github-to-container", "preprocessing", "train", "test"] as const;
export type JobName = (typeof JOB_NAMES)[number];

/** Shell steps live as real scripts in jenkins/jobs/ (linted, and shared with the JJB definitions in the tests). */
const JOB_SCRIPTS_DIR = path.join(__dirname, "jobs");
/** How every caller runs the model container and explains its failures; its #! line starts each step. */
const MODEL_CONTAINER_LIBRARY = path.join(__dirname, "..", "scripts", "model-container.sh");

/**
 * A job's shell step: scripts/model-container.sh, then the job's script (whose own #! line becomes a
 * comment), joined as Jenkins Job Builder's `!include-raw: [a, b]` joins them. Every job gets the
 * library this way because only the first job's workspace is the project. A chain on a host without
 * the model registry gets a line between them that leaves the registry out.
 */
function jobScript(file: string, agent: AgentSettings): string {
    const [library, script] = [MODEL_CONTAINER_LIBRARY, path.join(JOB_SCRIPTS_DIR, file)].map((source) =>
        fs.readFileSync(source, "utf8"),
    );
    return [library, ...(agent.holdsRegistry ? [] : [withoutRegistry(agent)]), script].join("\n");
}

/** The chain's model container gets no registry (scripts/registry-mount.sh, promote.py): it reports its verdict, it records nothing. */
function withoutRegistry(agent: AgentSettings): string {
    return `# Build host ${agent.buildHost} does not hold the model registry (pipelineHost does): this chain promotes nothing.\nREGISTRY_VOLUME=""\n`;
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

function afterSuccessOf(upstream: string): XmlElement {
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

/**
 * A signed data URL reaches the first job as its Secret-text credential, bound to DATA_URL for the
 * build by credentials-binding's SecretBuildWrapper (which also masks the value in the build's log);
 * casc.ts leaves it out of the global environment. None for any other data source.
 */
function dataUrlBinding(settings: JenkinsSettings): XmlElement[] {
    if (signedDataUrl(settings.pipeline.dataSource) === undefined) {
        return [];
    }
    return [
        element("org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper", [
            element("bindings", [
                element("org.jenkinsci.plugins.credentialsbinding.impl.StringBinding", [
                    element("credentialsId", SECRET_NAMES.dataUrl),
                    element("variable", "DATA_URL"),
                ]),
            ]),
        ]),
    ];
}

function firstJob(settings: JenkinsSettings, agent: AgentSettings): FreestyleJob {
    const common = {
        assignedNode: agent.label,
        blockWhileDownstreamBuilds: true,
        shell: { command: jobScript("github-to-container.sh", agent) },
        buildWrappers: dataUrlBinding(settings),
    };
    const { github } = settings;
    if (github === undefined) {
        return {
            ...common,
            description: `Builds the model image from ${settings.projectDir}/ml (the project, mounted read-only) and starts the ${settings.names.modelContainer} container${onHost(agent)}. Start it with Build Now.`,
            properties: [],
            triggers: [],
            customWorkspace: settings.projectDir,
        };
    }
    return {
        ...common,
        description: `On every push to ${github.repository}, builds the model image from ml/ and starts the ${settings.names.modelContainer} container${onHost(agent)}.`,
        properties: [
            element("com.coravy.hudson.plugins.github.GithubProjectProperty", [
                element("projectUrl", `https://github.com/${github.repository}/`),
            ]),
        ],
        scm: gitScm(github),
        triggers: [element("com.cloudbees.jenkins.GitHubPushTrigger", [element("spec", "")])],
    };
}

/** Names the build host in a description, for every chain but the first host's. */
function onHost(agent: AgentSettings): string {
    return agent.jobSuffix === "" ? "" : ` on build host ${agent.buildHost}`;
}

function chainedJob(
    agent: AgentSettings,
    upstream: JobName,
    description: string,
    shell: FreestyleJob["shell"],
    publishers: XmlElement[] = [],
): FreestyleJob {
    return {
        description,
        assignedNode: agent.label,
        properties: [],
        triggers: [afterSuccessOf(`${upstream}${agent.jobSuffix}`)],
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

/** The four jobs of one agent's chain, bound to its label, in chain order. */
function chain(settings: JenkinsSettings, agent: AgentSettings): Record<JobName, FreestyleJob> {
    const stage = { command: jobScript("run-stage.sh", agent) };
    const promotion = agent.holdsRegistry
        ? "then promote.py: the model becomes champion in the registry only if it is not worse than the champion by more than MAX_REGRESSION"
        : `then promote.py reports the verdict (the model registry is not on build host ${agent.buildHost}: nothing is promoted)`;
    return {
        "github-to-container": firstJob(settings, agent),
        preprocessing: chainedJob(
            agent,
            "github-to-container",
            `Runs preprocessing.py in the model container${onHost(agent)}.`,
            stage,
        ),
        train: chainedJob(agent, "preprocessing", `Runs train.py in the model container${onHost(agent)}.`, stage),
        test: chainedJob(
            agent,
            "train",
            `Runs gate.py, and test.py only when validation accuracy reaches THRESHOLD (else the build is UNSTABLE), ${promotion}. Archives the metrics and the report; the description shows the figures and the verdict. Then removes the model container${onHost(agent)}.`,
            // gate.py's status for a failed gate marks the build UNSTABLE.
            { command: jobScript("gate-and-test.sh", agent), unstableReturn: EXIT_STATUS.gateFailed },
            [archiveResults(), describeWithVerdict()],
        ),
    };
}

/**
 * Every job's config.xml, keyed by job name: one chain per agent, each in chain order. The first
 * host's jobs keep the plain names; another host's carry its name (`train-on-gpu`).
 */
export function renderJobs(settings: JenkinsSettings): Record<string, string> {
    return Object.fromEntries(
        settings.agents.flatMap((agent) => {
            const jobs = chain(settings, agent);
            return JOB_NAMES.map((name) => [`${name}${agent.jobSuffix}`, renderFreestyleJob(jobs[name])]);
        }),
    );
}
