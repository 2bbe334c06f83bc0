import * as path from "node:path";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { DockerHostNames, JenkinsStackSettings } from "../config/stackSettings";
import { JOB_NAMES } from "../jenkins/jobs";
import { renderJenkins } from "../jenkins/render";
import {
    ADMIN_USER,
    AGENT_PROJECT_DIR,
    JenkinsSettings,
    SECRET_FILE_MODE,
    SECRET_NAMES,
    SECRETS_DIR,
} from "../jenkins/settings";
import { DockerEngine, hostScopedName } from "./dockerHost";
import { JenkinsAgent } from "./jenkinsAgent";
import { engineReachableCheck, LocalImage } from "./localImage";
import { secretInState } from "./secretInState";

const jenkinsUid = "1000";
const jenkinsHttpPort = 8080;

/** Jenkins' type token; what was once its child (a job data volume) aliases its URN under it. */
export const JENKINS_TYPE = "adult-mlops:index:Jenkins";
const JENKINS_AGENT_TYPE = "adult-mlops:index:JenkinsAgent";

/**
 * Durations in the form Go prints them (time.Duration.String()), which is how the docker provider
 * reads them back: any other spelling ("3m") shows as a change on every `pulumi up`.
 */
const controllerHealthcheck = {
    tests: ["CMD-SHELL", `curl --fail --silent --output /dev/null http://localhost:${jenkinsHttpPort}/login`],
    interval: "10s",
    timeout: "5s",
    startPeriod: "3m0s",
    retries: 6,
};
/**
 * How long a replacement or `pulumi destroy` lets Jenkins stop on SIGTERM (it saves its state, ends its
 * builds) before the engine kills it; without it the provider stops the container with a zero timeout.
 */
export const CONTROLLER_STOP_GRACE_SECONDS = 60;
/** How long `pulumi up` waits for a healthy controller: a cold start on a small host, with room to spare. */
const controllerStartTimeoutSeconds = 300;

/** What Jenkins names on the Docker hosts: its own network, home, images and containers, and what the jobs leave behind. */
export type JenkinsNames = Pick<
    DockerHostNames,
    | "network"
    | "jenkinsHome"
    | "controllerImage"
    | "controllerContainer"
    | "agentImage"
    | "agentContainer"
    | "modelContainer"
    | "jobModelImage"
>;

/** One build host as Jenkins gets it: an agent and that host's chain of the jobs run there. */
export interface JenkinsBuildHost {
    /** The host's engine: its agent runs there and the host's jobs drive it. */
    engine: DockerEngine;
    /**
     * Resources that must outlive what this host's jobs leave behind (destroy removes the leftovers first),
     * e.g. the data and registry volumes their model container mounts.
     */
    outlivesJobLeftovers: pulumi.Resource[];
}

export interface JenkinsArgs {
    /**
     * What JCasC and the jobs are rendered from (jenkins/settings.ts jenkinsSettingsOf): the URL, GitHub,
     * the pipeline the jobs run, and one agent per build host in `buildHosts`' order.
     */
    configuration: JenkinsSettings;
    /** The controller's base image, where it is published, and whether destroy keeps its home. */
    controller: Pick<JenkinsStackSettings, "baseImage" | "port" | "bindAddress" | "keepHome">;
    /** Base of the agent image. */
    agentBaseImage: string;
    names: JenkinsNames;
    /** The project's root folder: build contexts under jenkins/, and the agent's workspace in local mode. */
    projectDir: string;
    adminPassword: pulumi.Input<string>;
    /** One per build host, the controller's first: each gets an agent and its own chain of the jobs. */
    buildHosts: JenkinsBuildHost[];
    /** The GitHub side's secrets, in GitHub mode (configuration.github set). */
    gitHubSecrets?: {
        webhookSecret: pulumi.Input<string>;
        deployPrivateKey: pulumi.Input<string>;
    };
}

/**
 * Jenkins configured entirely as code: a controller with no executors (JCasC, the jobs, secrets as
 * files) on the first build host, and one SSH build agent (JenkinsAgent) per build host that drives
 * that host's Docker engine and runs that host's chain of the four jobs. The controller logs in to
 * every agent with one key pair, made here.
 */
export class Jenkins extends pulumi.ComponentResource {
    public readonly adminUser: string;
    public readonly adminPassword: pulumi.Output<string>;
    /** Each build host's chain of the jobs, by host name, in chain order: the job names Jenkins shows. */
    public readonly jobsByHost: Readonly<Record<string, readonly string[]>>;

    constructor(name: string, args: JenkinsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(JENKINS_TYPE, name, {}, opts);
        const childOpts = { parent: this };
        const { configuration, controller, names } = args;
        const hosts = args.buildHosts.map(({ engine }) => engine.host);
        const agentSettings = configuration.agents;
        if (
            hosts.length === 0 ||
            agentSettings.length !== hosts.length ||
            agentSettings.some((agent, index) => agent.buildHost !== hosts[index].name)
        ) {
            throw new pulumi.ResourceError(
                `the configuration's agents (${agentSettings.map((agent) => agent.buildHost).join(", ")}) are not the build hosts (${hosts.map((host) => host.name).join(", ")}), in their order`,
                this,
            );
        }
        this.adminUser = ADMIN_USER;
        this.jobsByHost = Object.fromEntries(
            agentSettings.map((agent) => [agent.buildHost, JOB_NAMES.map((job) => `${job}${agent.jobSuffix}`)]),
        );
        const controllerEngine = args.buildHosts[0].engine;
        const onControllerHost = { ...childOpts, provider: controllerEngine.provider };

        const network = new docker.Network(`${name}-network`, { name: names.network }, onControllerHost);
        const home = new docker.Volume(
            `${name}-home`,
            { name: names.jenkinsHome },
            { ...onControllerHost, retainOnDelete: controller.keepHome },
        );
        const controllerImage = new LocalImage(
            `${name}-controller-image`,
            {
                context: path.join(args.projectDir, "jenkins"),
                imageName: names.controllerImage,
                buildArgs: { JENKINS_BASE_IMAGE: controller.baseImage },
                engine: controllerEngine,
            },
            childOpts,
        );
        // The controller's one SSH credential, trusted by every agent. The first agent once made it as its
        // own child: the alias is the URN it had there, so an existing stack keeps its key.
        const agentName = (host: (typeof hosts)[number]) => hostScopedName(`${name}-agent`, host, hosts);
        const loginKey = new tls.PrivateKey(
            `${name}-agent-key`,
            { algorithm: "ED25519" },
            { ...childOpts, aliases: [{ parent: pulumi.createUrn(agentName(hosts[0]), JENKINS_AGENT_TYPE, this) }] },
        );
        const agents: JenkinsAgent[] = [];
        const leftovers: command.local.Command[] = [];
        for (const { engine, outlivesJobLeftovers } of args.buildHosts) {
            // Created before the containers so that destroy removes them first: the leftovers command's delete
            // runs once nothing can start a model container or build a model image any more.
            const jobLeftovers = new command.local.Command(
                hostScopedName(`${name}-job-leftovers`, engine.host, hosts),
                {
                    environment: engine.commandEnvironment({
                        MODEL_CONTAINER: names.modelContainer,
                        JOB_IMAGE_REPOSITORY: names.jobModelImage,
                    }),
                    delete: `${engine.cliPreamble}${removeJobLeftoversScript}`,
                },
                { ...childOpts, dependsOn: outlivesJobLeftovers },
            );
            const agent = new JenkinsAgent(
                agentName(engine.host),
                {
                    hostName: names.agentContainer,
                    context: path.join(args.projectDir, "jenkins", "agent"),
                    baseImage: args.agentBaseImage,
                    imageName: names.agentImage,
                    engine,
                    reachedAt: engine.host.agent ?? { networkName: network.name },
                    projectMount: configuration.github
                        ? undefined
                        : { hostPath: args.projectDir, containerPath: AGENT_PROJECT_DIR },
                    trustedLoginKey: loginKey.publicKeyOpenssh,
                },
                { ...childOpts, dependsOn: [jobLeftovers] },
            );
            agents.push(agent);
            leftovers.push(jobLeftovers);
        }
        const rendered = pulumi.all(agents.map((agent) => agent.hostPublicKey)).apply((hostKeys) =>
            renderJenkins({
                ...configuration,
                agents: agentSettings.map((agent, index) => ({ ...agent, hostKey: hostKeys[index] })),
            }),
        );

        this.adminPassword = pulumi.secret(args.adminPassword);
        const secretFiles: Record<string, pulumi.Input<string>> = {
            [SECRET_NAMES.adminPassword]: this.adminPassword,
            [SECRET_NAMES.agentSshKey]: pulumi.secret(loginKey.privateKeyOpenssh),
            ...(args.gitHubSecrets && {
                [SECRET_NAMES.githubWebhookSecret]: args.gitHubSecrets.webhookSecret,
                [SECRET_NAMES.githubDeployKey]: args.gitHubSecrets.deployPrivateKey,
            }),
        };

        new docker.Container(
            `${name}-controller`,
            {
                name: names.controllerContainer,
                image: controllerImage.imageId,
                restart: "unless-stopped",
                ports: [{ internal: jenkinsHttpPort, external: controller.port, ip: controller.bindAddress }],
                networksAdvanced: [{ name: network.name }],
                volumes: [{ volumeName: home.name, containerPath: "/var/jenkins_home" }],
                uploads: secretInState(
                    rendered.apply(({ controllerFiles, secretFiles: configurationSecrets }) => [
                        ...controllerFiles.map((file) => ({ file: file.path, content: file.content })),
                        // Readable by the jenkins user whether or not the provider honours `owner`: the image's
                        // SECRETS_DIR is jenkins' own with mode 0700 (jenkins/Dockerfile), so no other user reaches them.
                        ...Object.entries({ ...secretFiles, ...configurationSecrets }).map(([secretName, content]) => ({
                            file: `${SECRETS_DIR}/${secretName}`,
                            content,
                            owner: jenkinsUid,
                            permissions: SECRET_FILE_MODE,
                        })),
                    ]),
                ),
                healthcheck: controllerHealthcheck,
                // `pulumi up` fails unless Jenkins answers within the timeout (a JCasC error, a plugin that does not load).
                wait: true,
                waitTimeout: controllerStartTimeoutSeconds,
                destroyGraceSeconds: CONTROLLER_STOP_GRACE_SECONDS,
            },
            { ...onControllerHost, dependsOn: [leftovers[0]] },
        );

        this.registerOutputs({ adminUser: this.adminUser, adminPassword: this.adminPassword });
    }
}

/**
 * Runs on destroy: removes what the jobs made on the Docker host, which Pulumi does not track: a model
 * container an interrupted chain left running, and the jobs' model image tags. Tags are removed one by
 * one, never an image ID by force, so an image that another tag (the stack's own model image, built
 * from the same files) or a container still uses stays, and the command says what it kept.
 */
export const removeJobLeftoversScript = `${engineReachableCheck}
docker rm --force "$MODEL_CONTAINER" >/dev/null 2>&1 || true
for ref in $(docker image ls --filter dangling=false --format '{{.Repository}}:{{.Tag}}' "$JOB_IMAGE_REPOSITORY"); do
  output="$(docker image rm "$ref" 2>&1)" || echo "kept image $ref: $output"
done`;
