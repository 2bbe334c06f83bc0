import * as pulumi from "@pulumi/pulumi";
import { ConfigError, projectName } from "./configError";
import {
    archiveFiles,
    DataSource,
    ModelName,
    parseBindAddress,
    parseBoolean,
    parseBranch,
    parseDataFile,
    parseDataSource,
    parseModel,
    parsePort,
    parsePublicUrl,
    parseRepository,
    parseThreshold,
} from "./validators";

/** Defaults of the plain settings; Pulumi.yaml declares the same ones (a test keeps the two equal). */
export const configDefaults = {
    threshold: "0.8",
    model: "hgb",
    dataSource: "https://archive.ics.uci.edu/static/public/2/adult.zip",
    rawDataFile: archiveFiles.raw,
    testDataFile: archiveFiles.test,
    failOnGate: "false",
    baseImage: "debian:trixie-slim",
    jenkinsBaseImage: "",
    jenkinsPort: "8080",
    jenkinsBindAddress: "127.0.0.1",
    keepJenkinsHome: "false",
    githubRepository: "",
    githubBranch: "main",
    jenkinsPublicUrl: "",
} as const;

export interface PipelineSettings {
    threshold: number;
    model: ModelName;
    dataSource: DataSource;
    rawDataFile: string;
    /** Empty: random stratified split of the raw file instead of the official held-out file. */
    testDataFile: string;
    failOnGate: boolean;
}

export interface JenkinsStackSettings {
    /** Empty: the base image jenkins/Dockerfile pins. */
    baseImage: string;
    port: number;
    bindAddress: string;
    /** Unset: a password is generated and kept in the stack's state. */
    adminPassword: pulumi.Output<string> | undefined;
    /** What Jenkins calls itself (links, hook URL): the public URL in GitHub mode, else the local one. */
    url: string;
    keepHome: boolean;
}

export interface GitHubStackSettings {
    owner: string;
    name: string;
    branch: string;
    publicUrl: string;
}

export interface StackSettings {
    /** Stack-unique prefix for names on the Docker host (containers, volumes, images). */
    namePrefix: string;
    baseImage: string;
    pipeline: PipelineSettings;
    jenkins: JenkinsStackSettings;
    /** Undefined: local mode, nothing is created on GitHub. */
    github: GitHubStackSettings | undefined;
}

/** Reads and validates every setting up front, so a bad value fails the preview before anything is created. */
export function readStackSettings(projectDir: string): StackSettings {
    const config = new pulumi.Config(projectName);
    const get = (key: keyof typeof configDefaults): string => config.get(key) ?? configDefaults[key];

    const dataSource = parseDataSource(get("dataSource"), projectDir);
    const testDataFile = get("testDataFile");
    const port = parsePort("jenkinsPort", get("jenkinsPort"));
    const github = readGitHubSettings(get("githubRepository"), get("githubBranch"), get("jenkinsPublicUrl"));
    return {
        namePrefix: `${projectName}-${pulumi.getStack()}`,
        baseImage: get("baseImage"),
        pipeline: {
            threshold: parseThreshold(get("threshold")),
            model: parseModel(get("model")),
            dataSource,
            rawDataFile: parseDataFile("rawDataFile", get("rawDataFile"), dataSource, archiveFiles.raw),
            testDataFile: testDataFile === "" ? "" : parseDataFile("testDataFile", testDataFile, dataSource, archiveFiles.test),
            failOnGate: parseBoolean("failOnGate", get("failOnGate")),
        },
        jenkins: {
            baseImage: get("jenkinsBaseImage"),
            port,
            bindAddress: parseBindAddress(get("jenkinsBindAddress")),
            adminPassword: config.getSecret("jenkinsAdminPassword"),
            keepHome: parseBoolean("keepJenkinsHome", get("keepJenkinsHome")),
            url: github?.publicUrl ?? `http://127.0.0.1:${port}/`,
        },
        github,
    };
}

function readGitHubSettings(repository: string, branch: string, publicUrl: string): GitHubStackSettings | undefined {
    if (repository === "") {
        return undefined;
    }
    if (publicUrl === "") {
        throw new ConfigError("jenkinsPublicUrl", publicUrl, "the public URL GitHub reaches Jenkins at, required when githubRepository is set");
    }
    return { ...parseRepository(repository), branch: parseBranch(branch), publicUrl: parsePublicUrl(publicUrl) };
}
