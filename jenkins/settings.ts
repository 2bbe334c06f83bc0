import { DockerHostNames, PipelineSettings, StackSettings } from "../config/stackSettings";

/** The only Jenkins user; the password comes from a secret file. */
export const ADMIN_USER = "admin";

/** One SSH build agent, on one build host, with its own chain of the four jobs. */
export interface AgentSettings {
    /** The build host's name (config/buildHosts.ts). */
    buildHost: string;
    /** Jenkins node name. */
    node: string;
    /** The only label of the node: its chain's jobs are bound to it, so a chain never leaves its host's engine. */
    label: string;
    /** Appended to the job names of this agent's chain; empty for the first host's (today's names). */
    jobSuffix: string;
    /** Where the controller reaches the agent's SSH server. */
    host: string;
    port: number;
    /** The agent's SSH host public key ("ssh-ed25519 AAAA..."): pins it. Absent: the key seen on the first connection is trusted and kept. */
    hostKey?: string;
    /** Whether the model registry is on this host's engine: only that chain promotes. */
    holdsRegistry: boolean;
}

/** What the Jenkins configuration is rendered from: the stack's checked settings, nothing re-parsed. */
export interface JenkinsSettings {
    /** The URL users and GitHub reach Jenkins at, e.g. "http://127.0.0.1:8080/". */
    url: string;
    /** Undefined: local mode (no SCM, no push trigger; the first job builds `projectDir`). */
    github?: { repository: string; branch: string; cloneUrl: string };
    pipeline: PipelineSettings;
    /** Local mode's custom workspace inside every agent: the project checkout, mounted read-only. */
    projectDir: string;
    /** One per build host, the controller's host first. */
    agents: AgentSettings[];
    names: Pick<DockerHostNames, "jobModelImage" | "modelContainer" | "dataVolume" | "registryVolume">;
    /** Base of the model image the first job builds: the stack's own. */
    baseImage: string;
}

/** Where the agent finds the project checkout in local mode (bind-mounted read-only). */
export const AGENT_PROJECT_DIR = "/srv/adult-mlops/project";

/** The first host's node and label, as they were before build hosts existed. */
const FIRST_AGENT = { node: "docker-agent", label: "docker" };

/** The Jenkins settings of a stack; each agent's host key is added once it exists. */
export function jenkinsSettingsOf(stack: StackSettings): JenkinsSettings {
    const { hosts, pipelineHost } = stack.buildHosts;
    return {
        url: stack.jenkins.url,
        github: stack.github && {
            repository: stack.github.repository,
            branch: stack.github.branch,
            cloneUrl: stack.github.cloneUrl,
        },
        pipeline: stack.pipeline,
        projectDir: AGENT_PROJECT_DIR,
        agents: hosts.map((host, index) => ({
            buildHost: host.name,
            ...(index === 0
                ? FIRST_AGENT
                : { node: `${FIRST_AGENT.node}-${host.name}`, label: `${FIRST_AGENT.label}-${host.name}` }),
            jobSuffix: index === 0 ? "" : `-on-${host.name}`,
            // The first host's agent is on the controller's network; the others publish their SSH port on their host.
            host: host.agent?.address ?? stack.names.agentContainer,
            port: host.agent?.port ?? 22,
            holdsRegistry: host === pipelineHost,
        })),
        baseImage: stack.baseImage,
        names: {
            jobModelImage: stack.names.jobModelImage,
            modelContainer: stack.names.modelContainer,
            dataVolume: stack.names.dataVolume,
            registryVolume: stack.names.registryVolume,
        },
    };
}

/** A file to place in the controller container. */
export interface JenkinsFile {
    path: string;
    content: string;
}

export interface RenderedJenkins {
    cascYaml: string;
    /** Job name to freestyle config.xml, in chain order. */
    jobs: Record<string, string>;
    controllerFiles: JenkinsFile[];
    /**
     * Secret files the configuration itself needs, by name (a file under SECRETS_DIR, read by JCasC as
     * `${name}`): the signed data URL (SECRET_NAMES.dataUrl) when it has a query string; empty otherwise.
     * Uploaded like the stack's other secrets (components/jenkins.ts), never among controllerFiles.
     */
    secretFiles: Record<string, string>;
}

/** Secret file names under SECRETS_DIR; JCasC reads each as `${name}`. */
export const SECRET_NAMES = {
    adminPassword: "jenkins-admin-password",
    githubWebhookSecret: "github-webhook-secret",
    githubDeployKey: "github-deploy-key",
    agentSshKey: "jenkins-agent-ssh-key",
    /** The data URL when its query string is a secret (a pre-signed URL): a Secret-text credential the first jobs bind to DATA_URL. */
    dataUrl: "data-source-url",
} as const;

/** JCasC's default secret-file directory (its Docker secrets source); the controller image makes it jenkins' own, mode 0700. */
export const SECRETS_DIR = "/run/secrets";

/**
 * The controller's secret files are readable by anyone who reaches them, and only the jenkins user
 * reaches SECRETS_DIR: a file the provider uploads as root (an upload `owner` it does not honour, as
 * kreuzwerker/terraform-provider-docker releases whose tar header has no Uid do) is still Jenkins'.
 */
export const SECRET_FILE_MODE = "0444";

/** CASC_JENKINS_CONFIG in the controller image. */
export const CASC_PATH = "/var/jenkins_conf/jenkins.yaml";

/** Where the official image keeps files it copies into JENKINS_HOME at every start. */
export const JENKINS_REF_DIR = "/usr/share/jenkins/ref";

/** Where the agent's entrypoint takes its SSH host key from, so the controller can pin the public half. */
export const AGENT_HOST_KEY_FILE = "/run/secrets/agent-ssh-host-key";
