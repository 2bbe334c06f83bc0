import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { BuildHost } from "../config/buildHosts";
import { DockerTlsMaterial } from "../config/stackSettings";

/** How resources and commands reach one build host's Docker engine. */
export interface DockerEngine {
    host: BuildHost;
    /** Undefined: the docker package's default provider (Docker's own defaults, as a one-engine stack has always used). */
    provider: docker.Provider | undefined;
    /**
     * A command's environment plus the variables that point its docker CLI at the engine (none for the
     * default one); secret as a whole when they hold a TLS key, as the engine encrypts top-level inputs only.
     */
    commandEnvironment(base: Record<string, pulumi.Input<string>>): pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Shell put in front of a command's script (TLS: the client material as files for the CLI); empty when none is needed. */
    cliPreamble: string;
}

/** The engine a one-engine stack uses: nothing explicit, so its resources are exactly those of a stack without build hosts. */
export function defaultEngine(host: BuildHost): DockerEngine {
    return { host, provider: undefined, commandEnvironment: (base) => base, cliPreamble: "" };
}

/** One engine per build host, in their order: the default engine as it is, a DockerHost for any other. */
export function dockerEngines(hosts: BuildHost[], tls: Map<string, pulumi.Output<DockerTlsMaterial>>): DockerEngine[] {
    return hosts.map((host) => (host.endpoint.kind === "default" ? defaultEngine(host) : new DockerHost(`build-host-${host.name}`, { host, tls: tls.get(host.name) })));
}

/** A resource's name on a build host: the first host's keep the names they had before there were build hosts. */
export function hostScopedName(resource: string, host: BuildHost, hosts: BuildHost[]): string {
    return host === hosts[0] ? resource : `${resource}-${host.name}`;
}

/**
 * The docker CLI takes TLS material from files only (DOCKER_CERT_PATH): the command writes the
 * secret variables to a private temporary folder and removes it when the command ends.
 */
export const tlsFilesPreamble = `DOCKER_CERT_PATH="$(mktemp -d)"
trap 'rm -rf "$DOCKER_CERT_PATH"' EXIT
(umask 077
 printf '%s\\n' "$DOCKER_TLS_CA" > "$DOCKER_CERT_PATH/ca.pem"
 printf '%s\\n' "$DOCKER_TLS_CERT" > "$DOCKER_CERT_PATH/cert.pem"
 printf '%s\\n' "$DOCKER_TLS_KEY" > "$DOCKER_CERT_PATH/key.pem")
export DOCKER_CERT_PATH DOCKER_TLS_VERIFY=1
unset DOCKER_TLS_CA DOCKER_TLS_CERT DOCKER_TLS_KEY
`;

export interface DockerHostArgs {
    host: BuildHost;
    /** Client TLS material, required for a tcp:// host. */
    tls?: pulumi.Output<DockerTlsMaterial>;
}

/**
 * A build host other than the default engine: a Docker provider of its own (the model and agent images
 * are built there, its containers and volumes live there) and the environment its commands' CLI needs.
 */
export class DockerHost extends pulumi.ComponentResource implements DockerEngine {
    public readonly host: BuildHost;
    public readonly provider: docker.Provider;
    public readonly cliPreamble: string;
    private readonly cliEnvironment: Record<string, pulumi.Input<string>>;
    private readonly cliEnvironmentIsSecret: boolean;

    constructor(name: string, args: DockerHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("adult-mlops:index:DockerHost", name, {}, opts);
        const { host, tls } = args;
        if (host.endpoint.kind === "default") {
            throw new Error(`build host ${host.name} is the default engine: use defaultEngine()`);
        }
        if (host.endpoint.kind === "tcp" && tls === undefined) {
            throw new Error(`build host ${host.name} is reached over TCP and needs its TLS material`);
        }
        const material = host.endpoint.kind === "tcp" ? tls : undefined;
        this.host = host;
        this.provider = new docker.Provider(
            name,
            {
                host: host.endpoint.url,
                // The schema does not mark these secret: each must be a secret input as a whole to be encrypted in state.
                ...(material && {
                    caMaterial: material.apply((m) => m.ca),
                    certMaterial: material.apply((m) => m.cert),
                    keyMaterial: pulumi.secret(material.apply((m) => m.key)),
                }),
            },
            { parent: this },
        );
        this.cliEnvironment = {
            DOCKER_HOST: host.endpoint.url,
            ...(material && {
                DOCKER_TLS_CA: material.apply((m) => m.ca),
                DOCKER_TLS_CERT: material.apply((m) => m.cert),
                DOCKER_TLS_KEY: pulumi.secret(material.apply((m) => m.key)),
            }),
        };
        this.cliEnvironmentIsSecret = material !== undefined;
        this.cliPreamble = material ? tlsFilesPreamble : "";
        this.registerOutputs({});
    }

    public commandEnvironment(base: Record<string, pulumi.Input<string>>): pulumi.Input<Record<string, pulumi.Input<string>>> {
        const environment = { ...base, ...this.cliEnvironment };
        return this.cliEnvironmentIsSecret ? pulumi.secret(environment) : environment;
    }
}
