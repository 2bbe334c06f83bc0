import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { BuildHost } from "../config/buildHosts";
import { DockerTlsMaterial } from "../config/stackSettings";
import { secretInState } from "./secretInState";

/** How resources and commands reach one build host's Docker engine. */
export interface DockerEngine {
    host: BuildHost;
    /** Undefined: the docker package's default provider (Docker's own defaults, as a one-engine stack has always used). */
    provider: docker.Provider | undefined;
    /**
     * A command's environment plus the variables that point its docker CLI at the engine (none for the
     * default one); secret in state (secretInState) when they hold a TLS key.
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
    return hosts.map((host) =>
        host.endpoint.kind === "default"
            ? defaultEngine(host)
            : new DockerHost(`build-host-${host.name}`, { host, tls: tls.get(host.name) }),
    );
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
    public readonly commandEnvironment: DockerEngine["commandEnvironment"];

    constructor(name: string, args: DockerHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("adult-mlops:index:DockerHost", name, {}, opts);
        const { host, tls } = args;
        if (host.endpoint.kind === "default") {
            throw new pulumi.ResourceError(`build host ${host.name} is the default engine: use defaultEngine()`, this);
        }
        if (host.endpoint.kind === "tcp" && tls === undefined) {
            throw new pulumi.ResourceError(
                `build host ${host.name} is reached over TCP and needs its TLS material`,
                this,
            );
        }
        // The schema marks none of these secret: the key must be a secret input of its own to be encrypted in state.
        const pem =
            host.endpoint.kind === "tcp" && tls
                ? {
                      ca: tls.apply((m) => m.ca),
                      cert: tls.apply((m) => m.cert),
                      key: secretInState(tls.apply((m) => m.key)),
                  }
                : undefined;
        this.host = host;
        this.provider = new docker.Provider(
            name,
            {
                host: host.endpoint.url,
                ...(pem && { caMaterial: pem.ca, certMaterial: pem.cert, keyMaterial: pem.key }),
            },
            { parent: this },
        );
        const cliEnvironment = {
            DOCKER_HOST: host.endpoint.url,
            ...(pem && { DOCKER_TLS_CA: pem.ca, DOCKER_TLS_CERT: pem.cert, DOCKER_TLS_KEY: pem.key }),
        };
        this.commandEnvironment = (base) =>
            pem ? secretInState({ ...base, ...cliEnvironment }) : { ...base, ...cliEnvironment };
        this.cliPreamble = pem ? tlsFilesPreamble : "";
        this.registerOutputs({});
    }
}
