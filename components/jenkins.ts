import * as path from "node:path";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { StackSettings } from "../config/stackSettings";
import { renderJenkins } from "../jenkins/render";
import { ADMIN_USER, AGENT_PROJECT_DIR, jenkinsSettingsOf, SECRET_FILE_MODE, SECRET_NAMES, SECRETS_DIR } from "../jenkins/settings";
import { DockerEngine, hostScopedName } from "./dockerHost";
import { JenkinsAgent } from "./jenkinsAgent";
import { engineReachableCheck, LocalImage } from "./localImage";

const jenkinsUid = "1000";
const jenkinsHttpPort = 8080;

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

export interface JenkinsArgs {
    /** The stack's checked settings: Jenkins' port, URLs and base image, the pipeline the jobs run, the names on the Docker host. */
    stack: StackSettings;
    /** The project's root folder: build contexts under jenkins/, and the agent's workspace in local mode. */
    projectDir: string;
    adminPassword: pulumi.Input<string>;
    /** Resources that must outlive what the jobs leave behind, e.g. the data volume their model container mounts. */
    outlivesJobLeftovers?: pulumi.Resource[];
    /** One per build host, the controller's first: each gets an agent and its own chain of the jobs. */
    engines: DockerEngine[];
    /**
     * The host whose engine the stack's pipeline uses; with a URL data source every other host gets a data
     * volume of its own here (its chain downloads and verifies its own copy into it).
     */
    pipelineHost: string;
    /** The GitHub side's secrets, in GitHub mode (stack.github set). */
    gitHubSecrets?: {
        webhookSecret: pulumi.Input<string>;
        deployPrivateKey: pulumi.Input<string>;
    };
}

/**
 * Jenkins configured entirely as code: a controller with no executors (JCasC, the jobs, secrets as
 * files) on the first build host, and one SSH build agent (JenkinsAgent) per build host that drives
 * that host's Docker engine and runs that host's chain of the four jobs.
 */
export class Jenkins extends pulumi.ComponentResource {
    public readonly adminUser: string;
    public readonly adminPassword: pulumi.Output<string>;

    constructor(name: string, args: JenkinsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("adult-mlops:index:Jenkins", name, {}, opts);
        const childOpts = { parent: this };
        const { stack } = args;
        const { names } = stack;
        this.adminUser = ADMIN_USER;
        const settings = jenkinsSettingsOf(stack);
        const [controllerEngine] = args.engines;
        const onControllerHost = { ...childOpts, provider: controllerEngine.provider };

        const network = new docker.Network(`${name}-network`, { name: names.network }, onControllerHost);
        const home = new docker.Volume(`${name}-home`, { name: names.jenkinsHome }, { ...onControllerHost, retainOnDelete: stack.jenkins.keepHome });
        const controllerImage = new LocalImage(
            `${name}-controller-image`,
            {
                context: path.join(args.projectDir, "jenkins"),
                imageName: names.controllerImage,
                buildArgs: { JENKINS_BASE_IMAGE: stack.jenkins.baseImage },
                engine: controllerEngine,
            },
            childOpts,
        );
        const agents: JenkinsAgent[] = [];
        const leftovers: command.local.Command[] = [];
        const hosts = args.engines.map((engine) => engine.host);
        for (const engine of args.engines) {
            const scoped = (resource: string) => hostScopedName(`${name}-${resource}`, engine.host, hosts);
            const needsOwnData = stack.pipeline.dataSource.kind === "url" && engine.host.name !== args.pipelineHost;
            const dataVolume = needsOwnData ? [new docker.Volume(scoped("job-data"), { name: names.dataVolume }, { ...childOpts, provider: engine.provider })] : [];
            // Created before the containers so that destroy removes them first: the leftovers command's delete
            // runs once nothing can start a model container or build a model image any more.
            const jobLeftovers = new command.local.Command(
                scoped("job-leftovers"),
                {
                    environment: engine.commandEnvironment({ MODEL_CONTAINER: names.modelContainer, JOB_IMAGE_REPOSITORY: names.jobModelImage }),
                    delete: `${engine.cliPreamble}${removeJobLeftoversScript}`,
                },
                { ...childOpts, dependsOn: [...(args.outlivesJobLeftovers ?? []), ...dataVolume] },
            );
            const agent = new JenkinsAgent(
                scoped("agent"),
                {
                    hostName: names.agentContainer,
                    context: path.join(args.projectDir, "jenkins", "agent"),
                    baseImage: stack.baseImage,
                    imageName: names.agentImage,
                    engine,
                    reachedAt: engine.host.agent ?? { networkName: network.name },
                    projectMount: stack.github ? undefined : { hostPath: args.projectDir, containerPath: AGENT_PROJECT_DIR },
                    trustedLoginKey: agents[0]?.loginPublicKey,
                },
                { ...childOpts, dependsOn: [jobLeftovers] },
            );
            agents.push(agent);
            leftovers.push(jobLeftovers);
        }
        const rendered = pulumi
            .all(agents.map((agent) => agent.hostPublicKey))
            .apply((hostKeys) => renderJenkins({ ...settings, agents: settings.agents.map((agent, index) => ({ ...agent, hostKey: hostKeys[index] })) }));

        this.adminPassword = pulumi.secret(args.adminPassword);
        const secretFiles: Record<string, pulumi.Input<string>> = {
            [SECRET_NAMES.adminPassword]: this.adminPassword,
            [SECRET_NAMES.agentSshKey]: agents[0].controllerPrivateKey as pulumi.Output<string>,
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
                ports: [{ internal: jenkinsHttpPort, external: stack.jenkins.port, ip: stack.jenkins.bindAddress }],
                networksAdvanced: [{ name: network.name }],
                volumes: [{ volumeName: home.name, containerPath: "/var/jenkins_home" }],
                // Secret as a whole: the engine encrypts an input in state only when the top-level value is secret.
                uploads: pulumi.secret(
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
