import { JenkinsSettings } from "./settings";

/** A setting that cannot be rendered; `field` is its path, e.g. "pipeline.threshold". */
export class JenkinsSettingsError extends Error {
    constructor(
        readonly field: string,
        problem: string,
    ) {
        super(`Jenkins setting ${field} ${problem}`);
        this.name = "JenkinsSettingsError";
    }
}

type Fields = Record<string, unknown>;

const patterns = {
    userId: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    repository: /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\/[A-Za-z0-9_.-]+$/,
    branch: /^(?!\/)(?!.*\.\.)(?!.*\/$)[A-Za-z0-9._/-]+$/,
    model: /^[a-z][a-z0-9_]*$/,
    fileName: /^(?!\.\.?$)[A-Za-z0-9._-]+$/,
    host: /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/,
    // No commas: the path goes into a `docker run --mount` list.
    absolutePath: /^\/[A-Za-z0-9._/ -]*[A-Za-z0-9._-]$/,
    hostKey: /^(?:ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|ssh-rsa) [A-Za-z0-9+/]+={0,2}$/,
    imageRepository: /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
    dockerName: /^[A-Za-z0-9][A-Za-z0-9_.-]+$/,
};

function object(value: unknown, field: string): Fields {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new JenkinsSettingsError(field, "must be an object");
    }
    return value as Fields;
}

function text(value: unknown, field: string, pattern: RegExp, expected: string): string {
    if (typeof value !== "string" || !pattern.test(value)) {
        throw new JenkinsSettingsError(field, `must be ${expected}, got ${JSON.stringify(value)}`);
    }
    return value;
}

function httpUrl(value: unknown, field: string): string {
    const problem = `must be an http(s) URL, got ${JSON.stringify(value)}`;
    if (typeof value !== "string" || !URL.canParse(value)) {
        throw new JenkinsSettingsError(field, problem);
    }
    const url = new URL(value);
    if (!["http:", "https:"].includes(url.protocol) || url.username !== "" || url.password !== "") {
        throw new JenkinsSettingsError(field, `${problem} (without user or password)`);
    }
    return value;
}

function numberIn(value: unknown, field: string, min: number, max: number, integer: boolean): number {
    const kind = integer ? "an integer" : "a number";
    if (typeof value !== "number" || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
        throw new JenkinsSettingsError(field, `must be ${kind} from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return value;
}

function github(value: unknown): JenkinsSettings["github"] {
    if (value === undefined) {
        return undefined;
    }
    const fields = object(value, "github");
    if (fields.hookSecretConfigured !== true) {
        throw new JenkinsSettingsError(
            "github.hookSecretConfigured",
            "must be true: the GitHub push trigger needs the webhook's shared secret, as without one Jenkins accepts unsigned deliveries",
        );
    }
    return {
        repository: text(fields.repository, "github.repository", patterns.repository, 'a GitHub repository as "owner/name"'),
        branch: fields.branch === undefined ? undefined : text(fields.branch, "github.branch", patterns.branch, "a branch name"),
        hookSecretConfigured: true,
    };
}

function dataSource(value: unknown): string {
    const field = "pipeline.dataSource";
    if (typeof value === "string" && /^https?:/.test(value)) {
        return httpUrl(value, field);
    }
    return text(value, field, patterns.absolutePath, "an http(s) URL or an absolute directory on the Docker host (no commas)");
}

function pipeline(value: unknown): JenkinsSettings["pipeline"] {
    const fields = object(value, "pipeline");
    return {
        threshold: numberIn(fields.threshold, "pipeline.threshold", 0, 1, false),
        model: text(fields.model, "pipeline.model", patterns.model, "a model name such as hgb or logreg"),
        dataSource: dataSource(fields.dataSource),
        rawDataFile: text(fields.rawDataFile, "pipeline.rawDataFile", patterns.fileName, "a file name"),
        testDataFile:
            fields.testDataFile === "" ? "" : text(fields.testDataFile, "pipeline.testDataFile", patterns.fileName, "a file name or empty"),
    };
}

function agent(value: unknown): JenkinsSettings["agent"] {
    const fields = object(value, "agent");
    // OpenSSH public key files end with a comment and a newline; Jenkins wants "type key".
    const hostKey = typeof fields.hostKey === "string" ? fields.hostKey.trim().split(/\s+/).slice(0, 2).join(" ") : fields.hostKey;
    return {
        host: text(fields.host, "agent.host", patterns.host, "a host name or IP address"),
        port: numberIn(fields.port, "agent.port", 1, 65535, true),
        projectDir: text(fields.projectDir, "agent.projectDir", patterns.absolutePath, "an absolute directory"),
        ...(hostKey !== undefined && { hostKey: text(hostKey, "agent.hostKey", patterns.hostKey, 'an SSH public key "type base64"') }),
    };
}

/** Checks settings (typed, or straight from JSON) and returns them normalised; throws JenkinsSettingsError naming the field. */
export function parseSettings(value: unknown): JenkinsSettings {
    const fields = object(value, "settings");
    return {
        jenkinsUrl: httpUrl(fields.jenkinsUrl, "jenkinsUrl"),
        adminUser: text(fields.adminUser, "adminUser", patterns.userId, "a user id (letters, digits, _ . -)"),
        github: github(fields.github),
        pipeline: pipeline(fields.pipeline),
        agent: agent(fields.agent),
        modelImage: text(fields.modelImage, "modelImage", patterns.imageRepository, "a lower-case image repository name"),
        modelContainer: text(fields.modelContainer, "modelContainer", patterns.dockerName, "a container name"),
        dataVolume: text(fields.dataVolume, "dataVolume", patterns.dockerName, "a volume name"),
    };
}
