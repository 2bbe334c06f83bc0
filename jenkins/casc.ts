import YAML from "yaml";
import { dataPreparationEnvironment, signedDataUrl } from "../contracts/dataPreparation";
import { exitStatusEnvironment, modelContainerEnvironment, modelEnvironment } from "../contracts/modelImage";
import { ADMIN_USER, AgentSettings, JenkinsSettings, SECRET_NAMES } from "./settings";

/** GitHub's published SSH host keys (api.github.com/meta): clones of the repository verify against them. */
const GITHUB_HOST_KEYS = [
    "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    "github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=",
];

const AGENT_REMOTE_FS = "/home/jenkins/agent";

/** JCasC reads `${name}` from the secret file SECRETS_DIR/name. */
function secretRef(name: string): string {
    return `\${${name}}`;
}

/** A value from settings, kept literal: JCasC would otherwise resolve any `${...}` in it. */
function literal(value: string): string {
    return value.replace(/\$\{/g, "^${");
}

/**
 * Jenkins' global environment: the only place the jobs' scripts read their settings from, but for a
 * signed data URL. Its query string is a secret, and the global environment is plain text on
 * Jenkins' configuration page: the first jobs get DATA_URL from its credential instead (jobs.ts).
 */
function jobEnvironment({ pipeline, names, baseImage }: JenkinsSettings): Record<string, string> {
    const { DATA_URL, ...data } = dataPreparationEnvironment(pipeline.dataSource, names.dataVolume);
    return {
        ...modelEnvironment(pipeline),
        ...(signedDataUrl(pipeline.dataSource) === undefined && { DATA_URL }),
        ...data,
        ...exitStatusEnvironment(),
        ...modelContainerEnvironment(pipeline.containerLimits),
        BASE_IMAGE: baseImage,
        MODEL_IMAGE: names.jobModelImage,
        MODEL_CONTAINER: names.modelContainer,
        REGISTRY_VOLUME: names.registryVolume,
    };
}

/**
 * The agent's host key check. A key given in settings is pinned; without one the key seen
 * on the first connection is trusted and kept (the agent sits on the stack's own Docker
 * network, and a new agent container then needs its key approved again).
 */
function agentHostKeyVerification(hostKey: string | undefined): object {
    return hostKey === undefined
        ? { manuallyTrustedKeyVerificationStrategy: { requireInitialManualTrust: false } }
        : { manuallyProvidedKeyVerificationStrategy: { key: literal(hostKey) } };
}

function sshKeyCredential(id: string, scope: "SYSTEM" | "GLOBAL", username: string, description: string): object {
    return {
        basicSSHUserPrivateKey: {
            scope,
            id,
            username,
            description,
            privateKeySource: { directEntry: { privateKey: secretRef(id) } },
        },
    };
}

function secretTextCredential(id: string, scope: "SYSTEM" | "GLOBAL", description: string): object {
    return { string: { scope, id, description, secret: secretRef(id) } };
}

// Each credential's id is the name of the secret file it is read from.
function credentials(settings: JenkinsSettings): object[] {
    const agentKey = sshKeyCredential(
        SECRET_NAMES.agentSshKey,
        "SYSTEM",
        "jenkins",
        "Controller's key for the SSH build agent",
    );
    const github =
        settings.github === undefined
            ? []
            : [
                  sshKeyCredential(
                      SECRET_NAMES.githubDeployKey,
                      "GLOBAL",
                      "git",
                      `Read-only deploy key of ${settings.github.repository}`,
                  ),
                  secretTextCredential(
                      SECRET_NAMES.githubWebhookSecret,
                      "SYSTEM",
                      "Shared secret GitHub signs webhook deliveries with",
                  ),
              ];
    // GLOBAL: a build can bind only credentials of that scope (SYSTEM ones are for Jenkins itself).
    const dataUrl =
        signedDataUrl(settings.pipeline.dataSource) === undefined
            ? []
            : [
                  secretTextCredential(
                      SECRET_NAMES.dataUrl,
                      "GLOBAL",
                      "The data source's signed URL (its query string is a secret); the github-to-container jobs bind it to DATA_URL",
                  ),
              ];
    return [agentKey, ...github, ...dataUrl];
}

/** A permanent SSH agent on one build host, with a single executor for its chain. */
function agentNode(agent: AgentSettings): object {
    return {
        permanent: {
            name: agent.node,
            labelString: agent.label,
            mode: "EXCLUSIVE",
            // One executor: the chain's jobs share one model container and run one at a time.
            numExecutors: 1,
            remoteFS: AGENT_REMOTE_FS,
            retentionStrategy: "always",
            launcher: {
                ssh: {
                    host: agent.host,
                    port: agent.port,
                    credentialsId: SECRET_NAMES.agentSshKey,
                    launchTimeoutSeconds: 60,
                    maxNumRetries: 10,
                    retryWaitTime: 15,
                    sshHostKeyVerificationStrategy: agentHostKeyVerification(agent.hostKey),
                },
            },
        },
    };
}

/** The controller's whole configuration as JCasC YAML (CASC_PATH). */
export function renderCasc(settings: JenkinsSettings): string {
    const github = settings.github !== undefined;
    const config = {
        jenkins: {
            systemMessage:
                "Configured as code from the project's jenkins/ folder: changes made here are replaced at the next start.",
            numExecutors: 0,
            mode: "EXCLUSIVE",
            // No inbound (JNLP) agents: every agent is launched over SSH.
            slaveAgentPort: -1,
            securityRealm: {
                local: {
                    allowsSignup: false,
                    users: [{ id: ADMIN_USER, password: secretRef(SECRET_NAMES.adminPassword) }],
                },
            },
            authorizationStrategy: { loggedInUsersCanDoAnything: { allowAnonymousRead: false } },
            // Core's DefaultCrumbIssuer by its symbol alone: since 2.543 it takes no attributes, and JCasC
            // refuses to start on one it does not know (test/jenkins/cascSchema.test.ts).
            crumbIssuer: "standard",
            globalNodeProperties: [
                {
                    envVars: {
                        env: Object.entries(jobEnvironment(settings)).map(([key, value]) => ({
                            key,
                            value: literal(value),
                        })),
                    },
                },
            ],
            nodes: settings.agents.map(agentNode),
        },
        credentials: { system: { domainCredentials: [{ credentials: credentials(settings) }] } },
        ...(github && {
            security: {
                gitHostKeyVerificationConfiguration: {
                    sshHostKeyVerificationStrategy: {
                        manuallyProvidedKeyVerificationStrategy: { approvedHostKeys: GITHUB_HOST_KEYS.join("\n") },
                    },
                },
            },
        }),
        unclassified: {
            location: { url: literal(settings.url) },
            // With a shared secret set, the GitHub plugin refuses unsigned or wrongly signed deliveries.
            ...(github && {
                gitHubPluginConfig: { hookSecretConfigs: [{ credentialsId: SECRET_NAMES.githubWebhookSecret }] },
            }),
        },
    };
    return YAML.stringify(config, { lineWidth: 0 });
}
