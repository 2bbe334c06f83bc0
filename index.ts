import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { dockerEngines, hostScopedName } from "./components/dockerHost";
import { GatedPipeline } from "./components/gatedPipeline";
import { GitHubIntegration } from "./components/gitHubIntegration";
import { Jenkins } from "./components/jenkins";
import { jobDataVolumes } from "./components/jobDataVolumes";
import { LocalImage } from "./components/localImage";
import { ModelService } from "./components/modelService";
import { readDockerTls, readJenkinsAdminPassword, readStackSettings } from "./config/stackSettings";
import { jenkinsSettingsOf } from "./jenkins/settings";

const projectDir = __dirname;
const settings = readStackSettings(projectDir);
const { names } = settings;
const { hosts } = settings.buildHosts;
const pipelineBuildHost = settings.buildHosts.pipelineHost;
const multiHost = hosts.length > 1;
const engines = dockerEngines(hosts, readDockerTls(hosts));

// On every build host: the layer cache the jobs' own builds start from, and the pipeline can move there without a rebuild.
const modelImages = engines.map(
    (engine) =>
        new LocalImage(hostScopedName("model-image", engine.host, hosts), {
            context: path.join(projectDir, "ml"),
            imageName: names.modelImage,
            buildArgs: { BASE_IMAGE: settings.baseImage },
            engine,
        }),
);
const pipelineEngineIndex = hosts.indexOf(pipelineBuildHost);
const modelImageBuild = modelImages[pipelineEngineIndex];
const pipelineEngine = engines[pipelineEngineIndex];

const pipeline = new GatedPipeline("pipeline", {
    modelImageId: modelImageBuild.imageId,
    settings: settings.pipeline,
    dataVolumeName: names.dataVolume,
    registryVolumeName: names.registryVolume,
    projectDir,
    engine: pipelineEngine,
});

// Beside the registry it serves from, on the pipeline's engine.
const service = new ModelService("model-service", {
    modelImageId: modelImageBuild.imageId,
    settings: settings.serve,
    containerLimits: settings.pipeline.containerLimits,
    containerName: names.serviceContainer,
    requestLogVolumeName: names.requestLogVolume,
    registryVolumeName: names.registryVolume,
    startsAfter: [pipeline],
    pipelineRunInputs: pipeline.runInputs,
    projectDir,
    engine: pipelineEngine,
});

const gitHub = settings.github
    ? new GitHubIntegration("github", {
          github: settings.github,
          token: new pulumi.Config("github").getSecret("token"),
          deployKeyTitle: `Jenkins of ${names.controllerContainer}`,
      })
    : undefined;

const adminPassword =
    readJenkinsAdminPassword() ??
    new random.RandomPassword("jenkins-admin-password", { length: 24, special: false }).result;

// Each host's chain of the jobs downloads into a data volume on its engine: the pipeline's on its host, its own on any other.
const jenkinsName = "jenkins";
const jobData = jobDataVolumes(engines, {
    dataSource: settings.pipeline.dataSource,
    pipelineHost: pipelineBuildHost,
    volumeName: names.dataVolume,
    jenkinsName,
});

const jenkins = new Jenkins(jenkinsName, {
    configuration: jenkinsSettingsOf(settings),
    controller: settings.jenkins,
    agentBaseImage: settings.baseImage,
    names,
    projectDir,
    adminPassword,
    buildHosts: engines.map((engine) => {
        const ownData = jobData.get(engine.host.name);
        return { engine, outlivesJobLeftovers: [...pipeline.volumes, ...(ownData ? [ownData] : [])] };
    }),
    gitHubSecrets: gitHub && { webhookSecret: gitHub.webhookSecret, deployPrivateKey: gitHub.deployPrivateKey },
});

export const validationAccuracy = pipeline.validationAccuracy;
export const testAccuracy = pipeline.testAccuracy;
export const gatePassed = pipeline.gatePassed;
export const promoted = pipeline.promoted;
export const champion = pipeline.champion;
export const deltaVsChampion = pipeline.deltaVsChampion;
export const reportFile = pipeline.reportFile;
export const threshold = settings.pipeline.threshold;
export const model = settings.pipeline.model;
export const pipelineMetrics = pipeline.metrics;
export const predictionUrl = service.predictionUrl;
export const servedModel = service.servedModel;
export const modelImage = { name: modelImageBuild.imageName, digest: modelImageBuild.imageId };
export const jenkinsUrl = settings.jenkins.localUrl;
export const jenkinsAdminUser = jenkins.adminUser;
export const jenkinsAdminPassword = jenkins.adminPassword;
export const githubMode = settings.github ? "on" : "off (local mode: no repository configured)";
export const webhookUrl = gitHub?.webhookUrl;
/** Where the pipeline ran and every build host, with more than one host (one host: the outputs stay as they were). */
export const pipelineHost = multiHost ? pipelineBuildHost.name : undefined;
export const buildHosts = multiHost
    ? hosts.map((host) => ({
          name: host.name,
          docker: host.endpoint.kind === "default" ? "the local engine (Docker's defaults)" : host.endpoint.url,
          agentSsh: host.agent ? `${host.agent.address}:${host.agent.port}` : "on the Jenkins network",
          jobs: jenkins.jobsByHost[host.name].join(", "),
      }))
    : undefined;
