import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GatedPipeline } from "./components/gatedPipeline";
import { GitHubIntegration } from "./components/gitHubIntegration";
import { Jenkins } from "./components/jenkins";
import { LocalImage } from "./components/localImage";
import { readJenkinsAdminPassword, readStackSettings } from "./config/stackSettings";

const projectDir = __dirname;
const settings = readStackSettings(projectDir);
const { names } = settings;

const modelImageBuild = new LocalImage("model-image", {
    context: path.join(projectDir, "ml"),
    imageName: names.modelImage,
    buildArgs: { BASE_IMAGE: settings.baseImage },
});

const pipeline = new GatedPipeline("pipeline", {
    modelImageId: modelImageBuild.imageId,
    settings: settings.pipeline,
    dataVolumeName: names.dataVolume,
    registryVolumeName: names.registryVolume,
    projectDir,
});

const gitHub = settings.github
    ? new GitHubIntegration("github", {
          github: settings.github,
          token: new pulumi.Config("github").getSecret("token"),
          deployKeyTitle: `Jenkins of ${names.controllerContainer}`,
      })
    : undefined;

const adminPassword = readJenkinsAdminPassword() ?? new random.RandomPassword("jenkins-admin-password", { length: 24, special: false }).result;

const jenkins = new Jenkins("jenkins", {
    stack: settings,
    projectDir,
    adminPassword,
    outlivesJobLeftovers: pipeline.volumes,
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
export const modelImage = { name: modelImageBuild.imageName, digest: modelImageBuild.imageId };
export const jenkinsUrl = settings.jenkins.localUrl;
export const jenkinsAdminUser = jenkins.adminUser;
export const jenkinsAdminPassword = jenkins.adminPassword;
export const githubMode = settings.github ? "on" : "off (local mode: no repository configured)";
export const webhookUrl = gitHub?.webhookUrl;
