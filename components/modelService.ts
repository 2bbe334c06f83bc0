import * as path from "node:path";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ServeSettings } from "../config/stackSettings";
import { exitStatusEnvironment, ModelContainerLimits, modelContainerEnvironment } from "../contracts/modelImage";
import { parseServedModel, ServedModel, serviceEnvironment, ServiceStatus } from "../contracts/modelService";
import { sha256OfFiles } from "../fingerprints/files";
import { DockerEngine } from "./dockerHost";
import { notKnownUntilUp } from "./preview";

export interface ModelServiceArgs {
    /** Local ID of the model image to serve from. */
    modelImageId: pulumi.Input<string>;
    /** Port, request limits and request log, as validated from the stack's configuration. */
    settings: ServeSettings;
    /** The limits of every model container (scripts/model-container.sh puts them on this one too). */
    containerLimits: ModelContainerLimits;
    /** The service's container. */
    containerName: string;
    /** The request log's volume, made here. */
    requestLogVolumeName: string;
    /** The model registry's volume, mounted read-only: the service follows its champion pointer. */
    registryVolumeName: string;
    /** What must be there before the service starts and stay until it has stopped: the pipeline, its registry volume and its run. */
    startsAfter: pulumi.Resource[];
    /**
     * The pipeline command's `runInputs` digest: it changes whenever the pipeline reruns, and with it this
     * command's environment (PIPELINE_RUN_INPUTS, which the script does not read), so the command is updated
     * then and `servedModel` shows the champion that run left. Not in the container's fingerprint: the
     * update keeps the running container.
     */
    pipelineRunInputs: pulumi.Input<string>;
    /** The project's root folder, holding scripts/model-service.sh. */
    projectDir: string;
    /** The engine it runs on: the pipeline's, which holds the registry volume. */
    engine: DockerEngine;
}

const serviceScript = path.join("scripts", "model-service.sh");
/** Every script the command runs: a change to any of them restarts the service. */
const commandScripts = [
    serviceScript,
    ...["model-container.sh", "registry-mount.sh"].map((script) => path.join("scripts", script)),
];

/**
 * The prediction service: the model image's serve.py in a hardened container, published on the Docker
 * host's 127.0.0.1, serving the registry's champion. A command rather than a docker.Container because the
 * docker provider (5.2) cannot set a container's pids limit, which every model container has. The start
 * waits until the service serves at least the version the registry's champion pointer names, read inside
 * the container. The service follows promotions itself (it reads the pointer), so a rerun of the pipeline
 * (a new champion, perhaps) updates the command through PIPELINE_RUN_INPUTS alone, a variable the script
 * does not read: the update keeps the running container, waits until the pointer's version is served and
 * refreshes `servedModel`. A new image, new scripts or other settings restart it. None of the command's
 * inputs comes from a run's stdout (unknown in a preview), so a preview of an unchanged stack leaves it unchanged.
 */
export class ModelService extends pulumi.ComponentResource {
    /** Where the service answers on the Docker host, `http://127.0.0.1:PORT`. */
    public readonly predictionUrl: pulumi.Output<string>;
    /** The champion it served when the update ended; null while the registry has none. */
    public readonly servedModel: pulumi.Output<ServedModel | null>;

    constructor(name: string, args: ModelServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("adult-mlops:index:ModelService", name, {}, opts);
        const { engine } = args;
        const requestLog = new docker.Volume(
            `${name}-request-log`,
            { name: args.requestLogVolumeName },
            { parent: this, provider: engine.provider },
        );

        const start = `${engine.cliPreamble}bash ${serviceScript} start`;
        const container = new command.local.Command(
            `${name}-container`,
            {
                create: start,
                update: start,
                delete: `${engine.cliPreamble}bash ${serviceScript} stop`,
                dir: args.projectDir,
                environment: engine.commandEnvironment({
                    ...serviceEnvironment(args.settings),
                    ...exitStatusEnvironment(),
                    ...modelContainerEnvironment(args.containerLimits),
                    MODEL_IMAGE: args.modelImageId,
                    SERVICE_CONTAINER: args.containerName,
                    SERVE_HOST_PORT: String(args.settings.hostPort),
                    REGISTRY_VOLUME: args.registryVolumeName,
                    REQUEST_LOG_VOLUME: args.requestLogVolumeName,
                    // Only here, to update the command when the pipeline reran: not in SERVICE_ENV_VARS, so not in the container or its fingerprint.
                    PIPELINE_RUN_INPUTS: args.pipelineRunInputs,
                }),
                triggers: [
                    args.modelImageId,
                    sha256OfFiles(commandScripts.map((script) => path.join(args.projectDir, script))),
                ],
            },
            // A replacement stops the old container before starting the new one: both have the same name.
            { parent: this, dependsOn: [requestLog, ...args.startsAfter], deleteBeforeReplace: true },
        );

        // Unsecret: a TLS engine's key among the inputs makes stdout secret, and what the service serves is not.
        const status = pulumi
            .unsecret(container.stdout)
            .apply((stdout) =>
                pulumi.runtime.isDryRun() ? notKnownUntilUp<ServiceStatus>() : parseServedModel(stdout),
            );
        this.predictionUrl = status.url;
        this.servedModel = status.servedModel;
        this.registerOutputs({ predictionUrl: this.predictionUrl, servedModel: this.servedModel });
    }
}
