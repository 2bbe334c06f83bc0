import { ConfigError } from "./configError";
import { DataSource } from "./validators";

/** The local engine's socket, as Docker's own default (DOCKER_HOST unset) reaches it. */
const LOCAL_DOCKER_SOCKET = "/var/run/docker.sock";

/** Port the agents on the other build hosts publish their SSH server on unless `agent=` names one. */
const DEFAULT_AGENT_PORT = 2222;

/** Node's names for the processor architectures Docker builds for, as OCI platforms name them. */
const OCI_ARCHITECTURES: Partial<Record<NodeJS.Architecture, string>> = {
    x64: "amd64",
    arm64: "arm64",
    arm: "arm/v7",
    ia32: "386",
    ppc64: "ppc64le",
    riscv64: "riscv64",
    s390x: "s390x",
};

/** The platform of the machine running Pulumi: a build host's default, as the local engine's images are built for it. */
export function platformOfThisMachine(): string {
    return `linux/${OCI_ARCHITECTURES[process.arch] ?? process.arch}`;
}

const platformPattern = /^linux\/[a-z0-9]+(\/v[0-9])?$/;

/** How the program reaches a build host's Docker engine. */
export type DockerEndpoint =
    /** The engine Docker's defaults reach (DOCKER_HOST of the environment, else the local socket): today's behaviour, no explicit provider. */
    | { kind: "default" }
    | { kind: "unix"; url: string }
    /** Through the system's `ssh` (the user's keys, agent and known_hosts), as the docker CLI and provider do. */
    | { kind: "ssh"; url: string }
    /** TLS with client certificates; the material comes from the secret config `dockerTls.<host name>`. */
    | { kind: "tcp"; url: string };

export interface BuildHost {
    /** Short name: labels the host's Jenkins agent and names its jobs and resources. */
    name: string;
    endpoint: DockerEndpoint;
    /** The engine's socket on that host, which its agent container mounts to drive it. */
    socketPath: string;
    /**
     * Where the controller reaches the agent's SSH server, published on that host at this address.
     * Undefined for the first host, whose agent sits on the controller's Docker network.
     */
    agent: { address: string; port: number } | undefined;
    /** The OCI platform its images are built for (`linux/arm64`): the engine's, so its containers run natively. */
    platform: string;
}

export interface BuildHostSettings {
    /** The first is the controller's host. */
    hosts: BuildHost[];
    /** The host that runs the stack's gated pipeline and holds the model registry. */
    pipelineHost: BuildHost;
}

const example =
    "a Docker host URL: unix:///var/run/docker.sock, ssh://user@host[:port] or tcp://host:2376, optionally with ?name=NAME&agent=IP[:PORT]&socket=/path&platform=linux/ARCH";
const hostName = /^[a-z][a-z0-9-]{0,19}$/;

/**
 * `buildHosts` (a JSON list of host URLs, as Pulumi hands a list setting to the program) and
 * `pipelineHost` (a host's name; empty: the first). An empty list is the local engine alone.
 */
export function parseBuildHosts(
    rawHosts: string,
    rawPipelineHost: string,
    context: { dataSource: DataSource; gitHubMode: boolean },
): BuildHostSettings {
    const entries = parseList(rawHosts);
    const hosts = entries.length === 0 ? [localEngine()] : entries.map((entry, index) => parseHost(entry, index));
    checkUniqueNames(hosts, rawHosts);
    checkReachesProjectAndData(hosts, rawHosts, context);
    const pipelineHost = rawPipelineHost === "" ? hosts[0] : hosts.find((host) => host.name === rawPipelineHost);
    if (pipelineHost === undefined) {
        throw new ConfigError(
            "pipelineHost",
            rawPipelineHost,
            `the name of one of the build hosts (${hosts.map((host) => host.name).join(", ")}), or empty for the first`,
        );
    }
    return { hosts, pipelineHost };
}

function localEngine(): BuildHost {
    return {
        name: "local",
        endpoint: { kind: "default" },
        socketPath: LOCAL_DOCKER_SOCKET,
        agent: undefined,
        platform: platformOfThisMachine(),
    };
}

function parseList(raw: string): string[] {
    let value: unknown;
    try {
        value = raw.trim() === "" ? [] : JSON.parse(raw);
    } catch {
        value = undefined;
    }
    if (!Array.isArray(value) || !value.every((entry) => typeof entry === "string")) {
        throw new ConfigError(
            "buildHosts",
            raw,
            `a list of Docker host URLs (pulumi config set --path 'buildHosts[0]' unix:///var/run/docker.sock)`,
        );
    }
    return value;
}

function parseHost(entry: string, index: number): BuildHost {
    const fail = (why: string): never => {
        throw new ConfigError(`buildHosts[${index}]`, entry, `${example}; ${why}`);
    };
    if (!URL.canParse(entry)) {
        fail("this is not a URL");
    }
    const url = new URL(entry);
    const options = Object.fromEntries(url.searchParams);
    const unknown = Object.keys(options).filter((key) => !["name", "agent", "socket", "platform"].includes(key));
    if (unknown.length > 0 || url.hash !== "") {
        fail(
            `only name, agent, socket and platform may follow the "?" (found ${[...unknown, url.hash].filter(Boolean).join(", ")})`,
        );
    }
    const endpoint = parseEndpoint(url, fail);
    const name = options.name ?? defaultName(endpoint, url);
    if (name === undefined || !hostName.test(name)) {
        fail(
            `name=NAME must give the host a short name of lower-case letters, digits and hyphens${name === undefined ? "" : ` (not "${name}")`}`,
        );
    }
    const socketPath = options.socket ?? (endpoint.kind === "unix" ? url.pathname : LOCAL_DOCKER_SOCKET);
    if (!socketPath.startsWith("/") || /[,:\n]/.test(socketPath)) {
        fail(`socket= must be the absolute path of the engine's socket on that host`);
    }
    if (index === 0 && options.agent !== undefined) {
        fail(
            "the first host runs the controller, whose agent sits on its Docker network: give agent= to the other hosts only",
        );
    }
    const agent = index === 0 ? undefined : parseAgent(options.agent, fail);
    const platform = options.platform ?? platformOfThisMachine();
    if (!platformPattern.test(platform)) {
        fail(`platform= must be the engine's OCI platform, such as linux/amd64 or linux/arm64 (not "${platform}")`);
    }
    return { name: name, endpoint, socketPath, agent, platform };
}

function parseEndpoint(url: URL, fail: (why: string) => never): DockerEndpoint {
    const bare = `${url.protocol}//${url.username ? `${url.username}@` : ""}${url.host}${url.pathname === "/" ? "" : url.pathname}`;
    switch (url.protocol) {
        case "unix:":
            if (url.host !== "" || url.pathname.length < 2) {
                fail("a unix socket URL has three slashes and a path: unix:///var/run/docker.sock");
            }
            return url.pathname === LOCAL_DOCKER_SOCKET
                ? { kind: "default" }
                : { kind: "unix", url: `unix://${url.pathname}` };
        case "ssh:":
            if (url.hostname === "" || url.password !== "" || (url.pathname !== "" && url.pathname !== "/")) {
                fail("ssh://user@host[:port], without a password (the ssh agent or keys log in) or a path");
            }
            return { kind: "ssh", url: bare };
        case "tcp:":
            if (
                url.hostname === "" ||
                url.port === "" ||
                url.username !== "" ||
                (url.pathname !== "" && url.pathname !== "/")
            ) {
                fail("tcp://host:port (2376 by convention), with TLS material in the secret config dockerTls.<name>");
            }
            return { kind: "tcp", url: bare };
        default:
            return fail(`${url.protocol} is none of unix:, ssh:, tcp:`);
    }
}

function defaultName(endpoint: DockerEndpoint, url: URL): string | undefined {
    if (endpoint.kind === "default") {
        return "local";
    }
    const candidate = url.hostname.split(".")[0].toLowerCase();
    return endpoint.kind !== "unix" && hostName.test(candidate) ? candidate : undefined;
}

function parseAgent(raw: string | undefined, fail: (why: string) => never): { address: string; port: number } {
    const why =
        "agent=IP[:PORT] must name an IPv4 address of that host the controller reaches (not 0.0.0.0, which would publish the agent's SSH on every network); its SSH port is published there only";
    const match = raw === undefined ? null : /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(raw);
    if (match === null) {
        return fail(why);
    }
    const [, address, port] = match;
    const octets = address.split(".").map(Number);
    const portNumber = port === undefined ? DEFAULT_AGENT_PORT : Number(port);
    if (octets.some((octet) => octet > 255) || address === "0.0.0.0" || portNumber < 1 || portNumber > 65535) {
        return fail(why);
    }
    return { address, port: portNumber };
}

function checkUniqueNames(hosts: BuildHost[], raw: string): void {
    const names = hosts.map((host) => host.name);
    const repeated = names.find((name, index) => names.indexOf(name) !== index);
    if (repeated !== undefined) {
        throw new ConfigError(
            "buildHosts",
            raw,
            `hosts with different names: "${repeated}" is used twice (give one ?name=OTHER)`,
        );
    }
}

/**
 * A bind mount names a path on the engine's own machine. The project folder (local mode's workspace)
 * and a data directory exist on this machine only, so with either every host must be a unix socket here.
 */
function checkReachesProjectAndData(
    hosts: BuildHost[],
    raw: string,
    context: { dataSource: DataSource; gitHubMode: boolean },
): void {
    const remote = hosts.filter((host) => host.endpoint.kind === "ssh" || host.endpoint.kind === "tcp");
    if (remote.length === 0) {
        return;
    }
    const names = remote.map((host) => host.name).join(", ");
    if (!context.gitHubMode) {
        throw new ConfigError(
            "buildHosts",
            raw,
            `unix sockets on this machine only in local mode: the agents of ${names} cannot mount this project folder (set githubRepository, and they clone it)`,
        );
    }
    if (context.dataSource.kind === "directory") {
        throw new ConfigError(
            "buildHosts",
            raw,
            `unix sockets on this machine only while dataSource is a directory: ${names} cannot mount ${context.dataSource.path} (use the archive's URL: each host downloads and verifies its own copy)`,
        );
    }
}
