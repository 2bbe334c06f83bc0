import { DockerHostNames, PipelineSettings, StackSettings } from "../config/stackSettings";

/** The only Jenkins user; the password comes from a secret file. */
export const ADMIN_USER = "admin";

/** What the Jenkins configuration is rendered from: the stack's checked settings, nothing re-parsed. */
export interface JenkinsSettings {
    /** The URL users and GitHub reach Jenkins at, e.g. "http://127.0.0.1:8080/". */
    url: string;
    /** Undefined: local mode (no SCM, no push trigger; the first job builds `agent.projectDir`). */
    github?: { repository: string; branch: string; cloneUrl: string };
    pipeline: PipelineSettings;
    agent: {
        host: string;
        port: number;
        /** Local mode's custom workspace inside the agent: the project checkout, mounted read-only. */
        projectDir: string;
        /** The agent's SSH host public key ("ssh-ed25519 AAAA..."): pins it. Absent: the key seen on the first connection is trusted and kept. */
        hostKey?: string;
    };
    names: Pick<DockerHostNames, "jobModelImage" | "modelContainer" | "dataVolume" | "registryVolume">;
    /** Base of the model image the first job builds: the stack's own. */
    baseImage: string;
}

/** Where the agent finds the project checkout in local mode (bind-mounted read-only). */
export const AGENT_PROJECT_DIR = "/srv/adult-mlops/project";

/** The Jenkins settings of a stack; the agent's host key is added once it exists. */
export function jenkinsSettingsOf(stack: StackSettings): JenkinsSettings {
    return {
        url: stack.jenkins.url,
        github: stack.github && { repository: stack.github.repository, branch: stack.github.branch, cloneUrl: stack.github.cloneUrl },
        pipeline: stack.pipeline,
        agent: { host: stack.names.agentContainer, port: 22, projectDir: AGENT_PROJECT_DIR },
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
}

/** Secret file names under SECRETS_DIR; JCasC reads each as `${name}`. */
export const SECRET_NAMES = {
    adminPassword: "jenkins-admin-password",
    githubWebhookSecret: "github-webhook-secret",
    githubDeployKey: "github-deploy-key",
    agentSshKey: "jenkins-agent-ssh-key",
} as const;

/** JCasC's default secret-file directory (its Docker secrets source). */
export const SECRETS_DIR = "/run/secrets";

/** CASC_JENKINS_CONFIG in the controller image. */
export const CASC_PATH = "/var/jenkins_conf/jenkins.yaml";

/** Where the official image keeps files it copies into JENKINS_HOME at every start. */
export const JENKINS_REF_DIR = "/usr/share/jenkins/ref";

/** Where the agent's entrypoint takes its SSH host key from, so the controller can pin the public half. */
export const AGENT_HOST_KEY_FILE = "/run/secrets/agent-ssh-host-key";
