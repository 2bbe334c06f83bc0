import * as path from "node:path";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PipelineSettings } from "../config/stackSettings";
import { dataPreparationEnvironment, signedDataUrl } from "../contracts/dataPreparation";
import { ChampionFigures, MetricDiff, parsePipelineMetrics, PipelineMetrics } from "../contracts/metricsLine";
import { exitStatusEnvironment, modelContainerEnvironment, modelEnvironment } from "../contracts/modelImage";
import { sha256OfCommandInputs } from "../fingerprints/commandInputs";
import { dataFingerprint } from "../fingerprints/data";
import { sha256OfFiles } from "../fingerprints/files";
import { DockerEngine } from "./dockerHost";
import { notKnownUntilUp } from "./preview";

export interface GatedPipelineArgs {
    /** Local ID of the model image to run. */
    modelImageId: pulumi.Input<string>;
    /** Threshold, model and data, as validated from the stack's configuration. */
    settings: PipelineSettings;
    /** Name of the Docker volume that caches a downloaded archive (shared with the Jenkins jobs). */
    dataVolumeName: string;
    /** Name of the model registry's Docker volume (shared with the Jenkins jobs). */
    registryVolumeName: string;
    /** The project's root folder, holding scripts/run-gated-pipeline.sh. */
    projectDir: string;
    /** The engine the pipeline runs on, which holds its volumes (the model registry among them). */
    engine: DockerEngine;
}

const runScript = path.join("scripts", "run-gated-pipeline.sh");
/** Every script the command runs: a change to any of them reruns the pipeline. */
const commandScripts = [
    runScript,
    ...["prepare-data.sh", "model-container.sh", "registry-mount.sh", "export-reports.sh"].map((script) =>
        path.join("scripts", script),
    ),
];

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
    /**
     * Every volume a model container mounts: the registry (every version, the champion pointer, the
     * reports; kept on destroy with keepModelRegistry) and, for a URL source, the data cache.
     */
    public readonly volumes: docker.Volume[];
    /** Whether this run's model became the champion. */
    public readonly promoted: pulumi.Output<boolean>;
    /** The champion after this run; null while the registry has none (a first model that failed the gate). */
    public readonly champion: pulumi.Output<ChampionFigures | null>;
    /** This run's metrics against the champion's on the same rows (DVC metrics diff); null for the first model. */
    public readonly deltaVsChampion: pulumi.Output<Record<string, MetricDiff> | null>;
    /** This run's report on the host, under the project's reports/ folder; null when it could not be written. */
    public readonly reportFile: pulumi.Output<string | null>;
    /**
     * sha256 (hex) of the run command's environment and triggers, the inputs on whose change `pulumi up`
     * runs it again, so it changes whenever the pipeline reruns for them. Known in a preview whenever those
     * inputs are (the figures are not). The prediction service's command takes it, to be updated then.
     */
    public readonly runInputs: pulumi.Output<string>;

    constructor(name: string, args: GatedPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("adult-mlops:index:GatedPipeline", name, {}, opts);
        const { settings } = args;
        const source = settings.dataSource;

        const { engine } = args;
        const onEngine = { parent: this, provider: engine.provider };
        const dataVolume =
            source.kind === "url"
                ? new docker.Volume(`${name}-data`, { name: args.dataVolumeName }, onEngine)
                : undefined;
        const registryVolume = new docker.Volume(
            `${name}-registry`,
            { name: args.registryVolumeName },
            { ...onEngine, retainOnDelete: settings.keepRegistry },
        );
        this.volumes = [registryVolume, ...(dataVolume ? [dataVolume] : [])];
        const dataFiles = [settings.rawDataFile, settings.testDataFile].filter((file) => file !== "");
        const data = dataPreparationEnvironment(source, args.dataVolumeName);
        // A signed URL's query string is a secret: encrypted in state and hidden in a preview's diff (the
        // figures stay plain: stdout is unsecreted below).
        const dataEnvironment =
            signedDataUrl(source) === undefined ? data : { ...data, DATA_URL: pulumi.secret(data.DATA_URL) };

        const environment = engine.commandEnvironment({
            ...modelEnvironment(settings),
            ...dataEnvironment,
            ...exitStatusEnvironment(),
            ...modelContainerEnvironment(settings.containerLimits),
            MODEL_IMAGE: args.modelImageId,
            FAIL_ON_GATE: String(settings.failOnGate),
            REGISTRY_VOLUME: args.registryVolumeName,
            REPORTS_DIR: settings.reportsDir,
        });
        const triggers = [
            args.modelImageId,
            dataFingerprint(source, dataFiles),
            sha256OfFiles(commandScripts.map((script) => path.join(args.projectDir, script))),
        ];
        const run = new command.local.Command(
            `${name}-run`,
            { create: `${engine.cliPreamble}bash ${runScript}`, dir: args.projectDir, environment, triggers },
            // The volumes are created first and removed after the command (whose run may be writing to them).
            { parent: this, dependsOn: this.volumes },
        );
        // Unsecret: a digest reveals nothing of a signed URL's query string or a TLS key among the inputs (sha256
        // cannot be reversed, and a signature or a key is far too random to be guessed and hashed to match).
        this.runInputs = pulumi.unsecret(
            pulumi
                .all([pulumi.output(environment), pulumi.output(triggers)])
                .apply(([values, rerunOn]) => sha256OfCommandInputs(values, rerunOn)),
        );

        // A preview runs nothing and hands back the last run's stdout: its figures are not this update's.
        // Unsecret: a TLS engine's key or a signed data URL among the inputs makes stdout secret, and the figures are not.
        this.metrics = pulumi
            .unsecret(run.stdout)
            .apply((stdout) =>
                pulumi.runtime.isDryRun() ? notKnownUntilUp<PipelineMetrics>() : parsePipelineMetrics(stdout),
            );
        this.validationAccuracy = this.metrics.validation_acc;
        this.testAccuracy = this.metrics.test_acc;
        this.gatePassed = this.metrics.gate_passed;
        this.promoted = this.metrics.promoted;
        this.champion = this.metrics.champion;
        this.deltaVsChampion = this.metrics.delta_vs_champion;
        this.reportFile = this.metrics.registry.apply((entry) =>
            entry.report === null ? null : path.join(settings.reportsDir, entry.report),
        );
        this.registerOutputs({
            metrics: this.metrics,
            validationAccuracy: this.validationAccuracy,
            testAccuracy: this.testAccuracy,
            gatePassed: this.gatePassed,
            promoted: this.promoted,
            champion: this.champion,
            deltaVsChampion: this.deltaVsChampion,
            reportFile: this.reportFile,
            runInputs: this.runInputs,
        });
    }
}
