/** What the Jenkins configuration is rendered from; the Pulumi program fills it from stack config. */
export interface JenkinsSettings {
    /** The URL users and GitHub reach Jenkins at, e.g. "http://127.0.0.1:8080/". */
    jenkinsUrl: string;
    /** Login of the only user, e.g. "admin"; the password comes from a secret file. */
    adminUser: string;
    /** Undefined: local mode (no SCM, no push trigger; the first job builds `agent.projectDir`). */
    github?: {
        /** "owner/name". */
        repository: string;
        /** Branch to build, default "main". */
        branch?: string;
        /** Whether the webhook's shared secret is written to the secrets dir; required, as unsigned deliveries are otherwise accepted. */
        hookSecretConfigured: boolean;
    };
    pipeline: {
        threshold: number;
        model: string;
        /** An http(s) URL (downloaded into `dataVolume`, checksums verified) or an absolute directory on the Docker host. */
        dataSource: string;
        rawDataFile: string;
        /** Empty: random split of `rawDataFile`. */
        testDataFile: string;
    };
    agent: {
        host: string;
        port: number;
        /** Local mode's custom workspace inside the agent: the project checkout, mounted read-only. */
        projectDir: string;
        /** The agent's SSH host public key ("ssh-ed25519 AAAA..."): pins it. Absent: the key seen on the first connection is trusted and kept. */
        hostKey?: string;
    };
    /** Repository name the jobs tag their model build with, e.g. "adult-mlops-model". */
    modelImage: string;
    /** Name of the container the four jobs share, e.g. "model". */
    modelContainer: string;
    /** Named volume holding downloaded data, e.g. "adult-mlops-data". */
    dataVolume: string;
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
