import * as path from "node:path";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { renderJenkins } from "../jenkins/render";
import { JenkinsSettings, SECRET_NAMES, SECRETS_DIR } from "../jenkins/settings";
import { JenkinsAgent } from "./jenkinsAgent";
import { engineReachableCheck, LocalImage } from "./localImage";

/** Where the agent finds the project checkout in local mode (bind-mounted read-only). */
const agentProjectDir = "/srv/adult-mlops/project";
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
/** How long `pulumi up` waits for a healthy controller: a cold start on a small host, with room to spare. */
const controllerStartTimeoutSeconds = 300;

export interface JenkinsArgs {
    /** Prefix for container, volume and network names on the Docker host. */
    namePrefix: string;
    /** The project's root folder: build contexts under jenkins/, and the agent's workspace in local mode. */
    projectDir: string;
    /** Base of the controller image; empty for the version jenkins/Dockerfile pins. */
    controllerBaseImage: string;
    /** Base of the agent image, e.g. `debian:trixie-slim`. */
    agentBaseImage: string;
    /** Host port Jenkins' web UI is published on. */
    port: number;
    /** Host address the port is bound to; 127.0.0.1 keeps Jenkins off the network. */
    bindAddress: string;
    /** URL Jenkins calls itself by (links, webhooks); the public URL when GitHub is on. */
    jenkinsUrl: string;
    adminPassword: pulumi.Input<string>;
    /** Keep the JENKINS_HOME volume (build history) when the stack is destroyed. */
    keepHome: boolean;
    /** Threshold, model and data the jobs run with. */
    pipeline: JenkinsSettings["pipeline"];
    /** Repository name the jobs tag their model builds with. */
    modelImage: string;
    /** Docker volume caching the downloaded data, shared with the stack's own pipeline run. */
    dataVolume: string;
    /** Resources that must outlive what the jobs leave behind, e.g. the data volume their model container mounts. */
    outlivesJobLeftovers?: pulumi.Resource[];
    /** Undefined: local mode, the first job builds from the project folder and is started by hand. */
    github?: {
        repository: string;
        branch: string;
        webhookSecret: pulumi.Input<string>;
        deployPrivateKey: pulumi.Input<string>;
    };
}

/**
 * Jenkins configured entirely as code: a controller with no executors (JCasC, the four jobs,
 * secrets as files) and one SSH build agent (JenkinsAgent) that drives the host's Docker engine.
 */
export class Jenkins extends pulumi.ComponentResource {
    /** URL of the web UI on this host. */
    public readonly localUrl: string;
    public readonly adminUser: string;
    public readonly adminPassword: pulumi.Output<string>;
    public readonly controllerContainerName: pulumi.Output<string>;

    constructor(name: string, args: JenkinsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("adult-mlops:index:Jenkins", name, {}, opts);
        const childOpts = { parent: this };
        const agentHost = `${args.namePrefix}-jenkins-agent`;
        this.adminUser = "admin";

        const modelContainer = `${args.namePrefix}-model`;
        const controllerName = `${args.namePrefix}-jenkins`;
        const settings: JenkinsSettings = {
            jenkinsUrl: args.jenkinsUrl,
            adminUser: this.adminUser,
            github: args.github && { repository: args.github.repository, branch: args.github.branch, hookSecretConfigured: true },
            pipeline: args.pipeline,
            agent: { host: agentHost, port: 22, projectDir: agentProjectDir },
            modelImage: args.modelImage,
            modelContainer,
            dataVolume: args.dataVolume,
        };
        // Rendered once now so a bad setting fails the preview, before the agent's host key exists.
        renderJenkins(settings);

        const network = new docker.Network(`${name}-network`, { name: `${args.namePrefix}-jenkins` }, childOpts);
        const home = new docker.Volume(
            `${name}-home`,
            { name: `${args.namePrefix}-jenkins-home` },
            { ...childOpts, retainOnDelete: args.keepHome },
        );
        const controllerImage = new LocalImage(
            `${name}-controller-image`,
            {
                context: path.join(args.projectDir, "jenkins"),
                imageName: `${args.namePrefix}-jenkins:latest`,
                buildArgs: { JENKINS_BASE_IMAGE: args.controllerBaseImage },
            },
            childOpts,
        );
        // Created before the containers so that destroy removes them first: the leftovers command's delete
        // runs once nothing can start a model container or build a model image any more.
        const jobLeftovers = new command.local.Command(
            `${name}-job-leftovers`,
            { environment: { MODEL_CONTAINER: modelContainer, JOB_IMAGE_REPOSITORY: args.modelImage }, delete: removeJobLeftoversScript },
            { ...childOpts, dependsOn: args.outlivesJobLeftovers },
        );
        const agent = new JenkinsAgent(
            `${name}-agent`,
            {
                hostName: agentHost,
                context: path.join(args.projectDir, "jenkins", "agent"),
                baseImage: args.agentBaseImage,
                imageName: `${args.namePrefix}-jenkins-agent:latest`,
                networkName: network.name,
                projectMount: args.github ? undefined : { hostPath: args.projectDir, containerPath: agentProjectDir },
            },
            { ...childOpts, dependsOn: [jobLeftovers] },
        );
        const rendered = agent.hostPublicKey.apply((hostKey) => renderJenkins({ ...settings, agent: { ...settings.agent, hostKey } }));

        this.adminPassword = pulumi.secret(args.adminPassword);
        const secretFiles: Record<string, pulumi.Input<string>> = {
            [SECRET_NAMES.adminPassword]: this.adminPassword,
            [SECRET_NAMES.agentSshKey]: agent.controllerPrivateKey,
            ...(args.github && {
                [SECRET_NAMES.githubWebhookSecret]: pulumi.secret(args.github.webhookSecret),
                [SECRET_NAMES.githubDeployKey]: pulumi.secret(args.github.deployPrivateKey),
            }),
        };

        const controller = new docker.Container(
            `${name}-controller`,
            {
                name: controllerName,
                image: controllerImage.imageId,
                restart: "unless-stopped",
                ports: [{ internal: jenkinsHttpPort, external: args.port, ip: args.bindAddress }],
                networksAdvanced: [{ name: network.name }],
                volumes: [{ volumeName: home.name, containerPath: "/var/jenkins_home" }],
                // Secret as a whole: the engine encrypts an input in state only when the top-level value is secret.
                uploads: pulumi.secret(
                    rendered.apply(({ controllerFiles }) => [
                        ...controllerFiles.map((file) => ({ file: file.path, content: file.content })),
                        ...Object.entries(secretFiles).map(([secretName, content]) => ({
                            file: `${SECRETS_DIR}/${secretName}`,
                            content,
                            owner: jenkinsUid,
                            permissions: "0400",
                        })),
                    ]),
                ),
                healthcheck: controllerHealthcheck,
                // `pulumi up` fails unless Jenkins answers within the timeout (a JCasC error, a plugin that does not load).
                wait: true,
                waitTimeout: controllerStartTimeoutSeconds,
            },
            { ...childOpts, dependsOn: [jobLeftovers] },
        );

        this.localUrl = `http://${args.bindAddress === "0.0.0.0" ? "127.0.0.1" : args.bindAddress}:${args.port}/`;
        this.controllerContainerName = controller.name;
        this.registerOutputs({
            localUrl: this.localUrl,
            adminUser: this.adminUser,
            adminPassword: this.adminPassword,
            controllerContainerName: this.controllerContainerName,
        });
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
