import * as path from "node:path";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PipelineSettings } from "../config/stackSettings";
import { dataPreparationEnvironment } from "../contracts/dataPreparation";
import { parsePipelineMetrics, PipelineMetrics } from "../contracts/metricsLine";
import { exitStatusEnvironment, modelEnvironment } from "../contracts/modelImage";
import { dataFingerprint } from "../fingerprints/data";
import { sha256OfFiles } from "../fingerprints/files";

export interface GatedPipelineArgs {
    /** Local ID of the model image to run. */
    modelImageId: pulumi.Input<string>;
    /** Threshold, model and data, as validated from the stack's configuration. */
    settings: PipelineSettings;
    /** Name of the Docker volume that caches a downloaded archive (shared with the Jenkins jobs). */
    dataVolumeName: string;
    /** The project's root folder, holding scripts/run-gated-pipeline.sh. */
    projectDir: string;
}

const runScript = path.join("scripts", "run-gated-pipeline.sh");
/** Every script the command runs: a change to any of them reruns the pipeline. */
const commandScripts = [runScript, path.join("scripts", "prepare-data.sh"), path.join("scripts", "model-container.sh")];

/**
 * Gets the data, runs the model image's gated run (preprocess, train, gate, test) and turns its
 * metrics into outputs. It reruns only when the image, the data, the threshold or the model change.
 * A failed gate is a verdict reported in `gatePassed` (and by the command's own warning while it runs);
 * with `failOnGate` the command fails instead, so the deployment fails and the next `pulumi up` runs the
 * pipeline again.
 */
export class GatedPipeline extends pulumi.ComponentResource {
    public readonly metrics: pulumi.Output<PipelineMetrics>;
    public readonly validationAccuracy: pulumi.Output<number>;
    /** Null when the gate stopped the run before the test stage. */
    public readonly testAccuracy: pulumi.Output<number | null>;
    public readonly gatePassed: pulumi.Output<boolean>;
    /** The volume caching the downloaded archive; undefined for a directory source. */
    public readonly dataVolume: docker.Volume | undefined;

    constructor(name: string, args: GatedPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("adult-mlops:index:GatedPipeline", name, {}, opts);
        const { settings } = args;
        const source = settings.dataSource;

        this.dataVolume =
            source.kind === "url" ? new docker.Volume(`${name}-data`, { name: args.dataVolumeName }, { parent: this }) : undefined;
        const dataFiles = [settings.rawDataFile, settings.testDataFile].filter((file) => file !== "");

        const run = new command.local.Command(
            `${name}-run`,
            {
                create: `bash ${runScript}`,
                dir: args.projectDir,
                environment: {
                    ...modelEnvironment(settings),
                    ...dataPreparationEnvironment(source, args.dataVolumeName),
                    ...exitStatusEnvironment(),
                    MODEL_IMAGE: args.modelImageId,
                    FAIL_ON_GATE: String(settings.failOnGate),
                },
                triggers: [
                    args.modelImageId,
                    dataFingerprint(source, dataFiles),
                    sha256OfFiles(commandScripts.map((script) => path.join(args.projectDir, script))),
                ],
            },
            // The data volume is created first and removed after the command (whose run may be writing to it).
            { parent: this, dependsOn: this.dataVolume ? [this.dataVolume] : [] },
        );

        // A preview runs nothing and hands back the last run's stdout: its figures are not this update's.
        this.metrics = run.stdout.apply((stdout) => (pulumi.runtime.isDryRun() ? notKnownUntilUp<PipelineMetrics>() : parsePipelineMetrics(stdout)));
        this.validationAccuracy = this.metrics.validation_acc;
        this.testAccuracy = this.metrics.test_acc;
        this.gatePassed = this.metrics.gate_passed;
        this.registerOutputs({
            metrics: this.metrics,
            validationAccuracy: this.validationAccuracy,
            testAccuracy: this.testAccuracy,
            gatePassed: this.gatePassed,
        });
    }
}

/** A value shown as "known after up" in a preview. */
function notKnownUntilUp<T>(): T {
    return pulumi.unknown as unknown as T;
}
