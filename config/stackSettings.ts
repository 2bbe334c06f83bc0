import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ModelContainerLimits, ModelRunSettings } from "../contracts/modelImage";
import { SERVE_LIMITS } from "../contracts/modelService";
import { BuildHost, BuildHostSettings, parseBuildHosts } from "./buildHosts";
import { ConfigError } from "./configError";
import {
    CONFIG_KEYS,
    ConfigValues,
    KNOWN_CONFIG_KEYS,
    readDeclarations,
    SECRET_CONFIG_KEYS,
    withDefaults,
} from "./declaredConfig";
import { configKey, projectName } from "./project";
import {
    archiveFiles,
    DataSource,
    parseBindAddress,
    parseBoolean,
    parseBranch,
    parseDataFile,
    parseDataSource,
    parseImageReference,
    parseMemoryLimit,
    parseModel,
    parsePidsLimit,
    parsePort,
    parsePublicUrl,
    parseRepository,
    parseFraction,
    parseWholeNumber,
} from "./validators";

export interface PipelineSettings extends ModelRunSettings {
    dataSource: DataSource;
    failOnGate: boolean;
    /** `pulumi destroy` keeps the registry volume. */
    keepRegistry: boolean;
    /** Host folder (git-ignored, in the project) the registry's reports are copied to after a run. */
    reportsDir: string;
    /** The memory and pids limits of every model container, the stack's and the Jenkins jobs'. */
    containerLimits: ModelContainerLimits;
}

/**
 * The prediction service (components/modelService.ts): the model image's serve.py, serving the model
 * registry's champion on pipelineHost's engine.
 */
export interface ServeSettings {
    /** The port on the Docker host's 127.0.0.1 it is published on. */
    hostPort: number;
    /** Most rows in one prediction request. */
    maxRows: number;
    /** Largest prediction request body, in bytes. */
    maxBodyBytes: number;
    /** Undefined: requestLogMaxBytes is 0, and no request log is written. */
    requestLog: RequestLogSettings | undefined;
}

export interface RequestLogSettings {
    /** The fraction of prediction requests written to it. */
    sampleRate: number;
    /** Its size cap in bytes, its rotated file included. */
    maxBytes: number;
}

/** Names of what the stack and its Jenkins jobs make on the Docker host, all under the stack's prefix. */
export interface DockerHostNames {
    modelImage: string;
    /** Volume caching the verified download, shared by the stack's pipeline run and the jobs. */
    dataVolume: string;
    /** The model registry (versions, champion pointer, reports), shared by the stack's pipeline run and the jobs. */
    registryVolume: string;
    /** Repository the jobs tag their own model builds with. */
    jobModelImage: string;
    /** The container the four jobs share. */
    modelContainer: string;
    /** The prediction service's container. */
    serviceContainer: string;
    /** The prediction service's request log (its own volume, the only one it writes). */
    requestLogVolume: string;
    controllerImage: string;
    controllerContainer: string;
    agentImage: string;
    agentContainer: string;
    network: string;
    jenkinsHome: string;
}

export interface JenkinsStackSettings {
    /** Empty: the base image jenkins/Dockerfile pins. */
    baseImage: string;
    port: number;
    bindAddress: string;
    keepHome: boolean;
    /** Where users on this host open Jenkins. */
    localUrl: string;
    /** What Jenkins calls itself (links, hook URL): the public URL in GitHub mode, else the local one. */
    url: string;
}

export interface GitHubStackSettings {
    owner: string;
    name: string;
    /** owner/name */
    repository: string;
    branch: string;
    publicUrl: string;
    /** Where GitHub posts pushes: Jenkins' GitHub plugin endpoint under the public URL. */
    webhookUrl: string;
    /** What Jenkins clones, with the deploy key. */
    cloneUrl: string;
}

export interface StackSettings {
    names: DockerHostNames;
    /** Base of the model and agent images. */
    baseImage: string;
    pipeline: PipelineSettings;
    serve: ServeSettings;
    jenkins: JenkinsStackSettings;
    /** Undefined: local mode, nothing is created on GitHub. */
    github: GitHubStackSettings | undefined;
    /** The Docker hosts that build and train (the first runs Jenkins), and the one that runs the stack's pipeline. */
    buildHosts: BuildHostSettings;
}

/** Checks every setting and derives what follows from them, so a bad value fails before anything is created. */
export function parseStackSettings(
    values: ConfigValues,
    context: { projectDir: string; stack: string },
): StackSettings {
    const dataSource = parseDataSource(values.dataSource, context.projectDir);
    const port = parsePort("jenkinsPort", values.jenkinsPort);
    const bindAddress = parseBindAddress(values.jenkinsBindAddress);
    const github = parseGitHub(values);
    const localUrl = `http://${bindAddress === "0.0.0.0" ? "127.0.0.1" : bindAddress}:${port}/`;
    // A bad value's message suggests the declared default (Pulumi.yaml, the one place it is written).
    const examples = readDeclarations(context.projectDir);
    return {
        names: dockerHostNames(`${projectName}-${context.stack}`),
        baseImage: parseImageReference("baseImage", values.baseImage),
        pipeline: {
            threshold: parseFraction("threshold", values.threshold, examples.threshold.default),
            maxRegression: parseFraction("maxRegression", values.maxRegression, examples.maxRegression.default),
            model: parseModel(values.model),
            dataSource,
            rawDataFile: parseDataFile("rawDataFile", values.rawDataFile, dataSource, archiveFiles.raw),
            testDataFile:
                values.testDataFile === ""
                    ? ""
                    : parseDataFile("testDataFile", values.testDataFile, dataSource, archiveFiles.test),
            failOnGate: parseBoolean("failOnGate", values.failOnGate),
            keepRegistry: parseBoolean("keepModelRegistry", values.keepModelRegistry),
            reportsDir: path.join(context.projectDir, "reports", context.stack),
            containerLimits: {
                memory: parseMemoryLimit("modelMemoryLimit", values.modelMemoryLimit),
                pids: parsePidsLimit("modelPidsLimit", values.modelPidsLimit),
            },
        },
        serve: parseServe(values, port, examples.requestLogSampleRate.default),
        jenkins: {
            baseImage:
                values.jenkinsBaseImage === "" ? "" : parseImageReference("jenkinsBaseImage", values.jenkinsBaseImage),
            port,
            bindAddress,
            keepHome: parseBoolean("keepJenkinsHome", values.keepJenkinsHome),
            localUrl,
            url: github?.publicUrl ?? localUrl,
        },
        github,
        buildHosts: parseBuildHosts(values.buildHosts, values.pipelineHost, {
            dataSource,
            gitHubMode: github !== undefined,
        }),
    };
}

function dockerHostNames(prefix: string): DockerHostNames {
    return {
        modelImage: `${prefix}-model:latest`,
        dataVolume: `${prefix}-data`,
        registryVolume: `${prefix}-registry`,
        jobModelImage: `${prefix}-model-jenkins`,
        modelContainer: `${prefix}-model`,
        serviceContainer: `${prefix}-model-service`,
        requestLogVolume: `${prefix}-request-log`,
        controllerImage: `${prefix}-jenkins:latest`,
        controllerContainer: `${prefix}-jenkins`,
        agentImage: `${prefix}-jenkins-agent:latest`,
        agentContainer: `${prefix}-jenkins-agent`,
        network: `${prefix}-jenkins`,
        jenkinsHome: `${prefix}-jenkins-home`,
    };
}

function parseServe(values: ConfigValues, jenkinsPort: number, sampleRateExample: string): ServeSettings {
    const hostPort = parsePort("servePort", values.servePort);
    if (hostPort === jenkinsPort) {
        throw new ConfigError(
            "servePort",
            values.servePort,
            `a TCP port other than jenkinsPort's ${jenkinsPort}: Jenkins is published on that one`,
        );
    }
    // Checked even when there is no request log: a bad value fails now, not when the log is turned on.
    const sampleRate = parseFraction("requestLogSampleRate", values.requestLogSampleRate, sampleRateExample);
    const maxBytes =
        values.requestLogMaxBytes === "0"
            ? 0
            : parseWholeNumber("requestLogMaxBytes", values.requestLogMaxBytes, {
                  min: SERVE_LIMITS.minRequestLogBytes,
                  max: SERVE_LIMITS.maxBytes,
                  unit: "bytes",
                  example: 67108864,
                  alternative: "0 for no request log",
              });
    return {
        hostPort,
        maxRows: parseWholeNumber("serveMaxRows", values.serveMaxRows, {
            min: 1,
            max: SERVE_LIMITS.maxRows,
            unit: "rows",
            example: 10000,
        }),
        maxBodyBytes: parseWholeNumber("serveMaxBodyBytes", values.serveMaxBodyBytes, {
            min: 1024,
            max: SERVE_LIMITS.maxBytes,
            unit: "bytes",
            example: 10485760,
        }),
        requestLog: maxBytes === 0 ? undefined : { sampleRate, maxBytes },
    };
}

function parseGitHub(values: ConfigValues): GitHubStackSettings | undefined {
    if (values.githubRepository === "") {
        return undefined;
    }
    const { owner, name } = parseRepository(values.githubRepository);
    if (values.jenkinsPublicUrl === "") {
        throw new ConfigError(
            "jenkinsPublicUrl",
            "",
            "the public URL GitHub reaches Jenkins at, required when githubRepository is set",
        );
    }
    const publicUrl = parsePublicUrl(values.jenkinsPublicUrl);
    return {
        owner,
        name,
        repository: `${owner}/${name}`,
        branch: parseBranch(values.githubBranch),
        publicUrl,
        webhookUrl: new URL("github-webhook/", publicUrl).href,
        cloneUrl: `git@github.com:${owner}/${name}.git`,
    };
}

/** Edits (a letter added, dropped, changed) that turn `a` into `b`, ignoring case. */
function editDistance(a: string, b: string): number {
    const [from, to] = [a.toLowerCase(), b.toLowerCase()];
    let previous = Array.from({ length: to.length + 1 }, (_, i) => i);
    for (let i = 1; i <= from.length; i++) {
        const current = [i];
        for (let j = 1; j <= to.length; j++) {
            current[j] = Math.min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (from[i - 1] === to[j - 1] ? 0 : 1),
            );
        }
        previous = current;
    }
    return previous[to.length];
}

/** The known key closest to `key` (fewest edits; the first declared on a tie), if it is close enough to be a misspelling of it. */
export function closestConfigKey(key: string): string | undefined {
    const [best] = KNOWN_CONFIG_KEYS.map((known) => ({ known, distance: editDistance(key, known) })).sort(
        (a, b) => a.distance - b.distance,
    );
    return best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.known : undefined;
}

/**
 * A key in the project's namespace that the program does not read. Its value is not shown: a misspelt
 * secret key holds a secret. A RunError, like ConfigError, so Pulumi prints just the message.
 */
export class UndeclaredConfigError extends pulumi.RunError {
    constructor(
        readonly key: string,
        readonly suggestion: string | undefined,
    ) {
        const secret = (SECRET_CONFIG_KEYS as readonly string[]).includes(suggestion ?? "");
        super(
            `undeclared config ${configKey(key)}: the program reads no such setting, so it would be ignored; ` +
                (suggestion === undefined
                    ? `the settings are ${KNOWN_CONFIG_KEYS.join(", ")} (Pulumi.yaml). Remove it with: pulumi config rm ${key}`
                    : `did you mean ${suggestion}? Move it with: pulumi config rm ${key} && pulumi config set ${secret ? "--secret " : ""}${suggestion} <value>`),
        );
    }
}

/**
 * Refuses a stack key of the project's namespace (`adult-mlops:threshhold`) that the program does not read,
 * which would leave the setting it was meant for at its default. Keys of other namespaces (docker:host,
 * github:token) belong to their providers and are left alone.
 */
export function checkConfigKeys(qualifiedKeys: Iterable<string>): void {
    const namespace = configKey("");
    for (const qualified of qualifiedKeys) {
        const key = qualified.slice(namespace.length);
        if (qualified.startsWith(namespace) && !KNOWN_CONFIG_KEYS.includes(key)) {
            throw new UndeclaredConfigError(key, closestConfigKey(key));
        }
    }
}

/** The stack's settings from its Pulumi configuration, checked; defaults are Pulumi.yaml's. */
export function readStackSettings(projectDir: string): StackSettings {
    checkConfigKeys(Object.keys(pulumi.runtime.allConfig()));
    const config = new pulumi.Config(projectName);
    const set: Partial<ConfigValues> = Object.fromEntries(
        CONFIG_KEYS.map((key) => [key, config.get(key)] as const).filter(([, value]) => value !== undefined),
    );
    return parseStackSettings(withDefaults(projectDir, set), { projectDir, stack: pulumi.getStack() });
}

/** PEM client material of a tcp:// build host's engine. */
export interface DockerTlsMaterial {
    ca: string;
    cert: string;
    key: string;
}

/**
 * TLS material of each tcp:// build host, from the secret config `dockerTls.<host name>`
 * (`pulumi config set --secret --path 'dockerTls.gpu.key' -- "$(cat key.pem)"`, likewise ca and cert).
 */
export function readDockerTls(hosts: BuildHost[]): Map<string, pulumi.Output<DockerTlsMaterial>> {
    const config = new pulumi.Config(projectName);
    const configured = config.getObject<Record<string, Partial<DockerTlsMaterial>>>("dockerTls") ?? {};
    const material = new Map<string, pulumi.Output<DockerTlsMaterial>>();
    for (const host of hosts.filter((candidate) => candidate.endpoint.kind === "tcp")) {
        const entry = configured[host.name] ?? {};
        const missing = (["ca", "cert", "key"] as const).filter(
            (part) => typeof entry[part] !== "string" || !entry[part]?.includes("-----BEGIN "),
        );
        if (missing.length > 0) {
            throw new ConfigError(
                `dockerTls.${host.name}`,
                "(secret)",
                `PEM ca, cert and key for the TCP engine of build host ${host.name} (missing or not PEM: ${missing.join(", ")}); set each with pulumi config set --secret --path 'dockerTls.${host.name}.${missing[0]}' -- "$(cat ${missing[0]}.pem)"`,
            );
        }
        material.set(host.name, pulumi.secret(entry as DockerTlsMaterial));
    }
    return material;
}

/** The admin password the user set (`pulumi config set --secret jenkinsAdminPassword`); unset, one is generated. */
export function readJenkinsAdminPassword(): pulumi.Output<string> | undefined {
    return new pulumi.Config(projectName).getSecret("jenkinsAdminPassword");
}
