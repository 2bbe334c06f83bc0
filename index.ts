import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GatedPipeline } from "./components/gatedPipeline";
import { GitHubIntegration } from "./components/gitHubIntegration";
import { Jenkins } from "./components/jenkins";
import { LocalImage } from "./components/localImage";
import { readStackSettings } from "./config/stackConfig";
import { dataSourceLocation } from "./config/validators";

const projectDir = __dirname;
const settings = readStackSettings(projectDir);
const prefix = settings.namePrefix;
const dataVolumeName = `${prefix}-data`;

const modelImageBuild = new LocalImage("model-image", {
    context: path.join(projectDir, "ml"),
    imageName: `${prefix}-model:latest`,
    buildArgs: { BASE_IMAGE: settings.baseImage },
});

const pipeline = new GatedPipeline("pipeline", {
    modelImageId: modelImageBuild.imageId,
    settings: settings.pipeline,
    dataVolumeName,
    projectDir,
});

const gitHub = settings.github
    ? new GitHubIntegration("github", {
          owner: settings.github.owner,
          repository: settings.github.name,
          jenkinsPublicUrl: settings.github.publicUrl,
          token: new pulumi.Config("github").getSecret("token"),
          deployKeyTitle: `Jenkins of ${prefix}`,
      })
    : undefined;

const adminPassword =
    settings.jenkins.adminPassword ?? new random.RandomPassword("jenkins-admin-password", { length: 24, special: false }).result;

const jenkins = new Jenkins("jenkins", {
    namePrefix: prefix,
    projectDir,
    controllerBaseImage: settings.jenkins.baseImage,
    agentBaseImage: settings.baseImage,
    port: settings.jenkins.port,
    bindAddress: settings.jenkins.bindAddress,
    jenkinsUrl: settings.jenkins.url,
    adminPassword,
    keepHome: settings.jenkins.keepHome,
    pipeline: {
        threshold: settings.pipeline.threshold,
        model: settings.pipeline.model,
        dataSource: dataSourceLocation(settings.pipeline.dataSource),
        rawDataFile: settings.pipeline.rawDataFile,
        testDataFile: settings.pipeline.testDataFile,
    },
    modelImage: `${prefix}-model-jenkins`,
    dataVolume: dataVolumeName,
    outlivesJobLeftovers: pipeline.dataVolume ? [pipeline.dataVolume] : [],
    github:
        settings.github && gitHub
            ? {
                  repository: `${settings.github.owner}/${settings.github.name}`,
                  branch: settings.github.branch,
                  webhookSecret: gitHub.webhookSecret,
                  deployPrivateKey: gitHub.deployPrivateKey,
              }
            : undefined,
});

export const validationAccuracy = pipeline.validationAccuracy;
export const testAccuracy = pipeline.testAccuracy;
export const gatePassed = pipeline.gatePassed;
export const threshold = settings.pipeline.threshold;
export const model = settings.pipeline.model;
export const pipelineMetrics = pipeline.metrics;
export const modelImage = { name: modelImageBuild.imageName, digest: modelImageBuild.imageId };
export const jenkinsUrl = jenkins.localUrl;
export const jenkinsAdminUser = jenkins.adminUser;
export const jenkinsAdminPassword = jenkins.adminPassword;
export const githubMode = settings.github ? "on" : "off (local mode: no repository configured)";
export const webhookUrl = gitHub?.webhookUrl;
