import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { AGENT_HOST_KEY_FILE } from "../jenkins/settings";
import { DockerEngine } from "./dockerHost";
import { LocalImage } from "./localImage";
import { secretInState } from "./secretInState";

/** How long a replacement or `pulumi destroy` lets the agent's sshd and a running job's step end on SIGTERM. */
export const AGENT_STOP_GRACE_SECONDS = 30;

export interface JenkinsAgentArgs {
    /** Container name, also its host name on the Jenkins network. */
    hostName: string;
    /** Folder of the agent's Dockerfile. */
    context: string;
    /** Base of the agent image, e.g. `debian:trixie-slim`. */
    baseImage: string;
    imageName: string;
    /** The build host's engine: the agent runs there and drives it through its socket. */
    engine: DockerEngine;
    /**
     * How the controller reaches the agent's SSH server: on the controller's Docker network (same host),
     * or through a port published at an address of the agent's host (another build host).
     */
    reachedAt: { networkName: pulumi.Input<string> } | { address: string; port: number };
    /** A host folder to mount read-only into the agent (local mode's project checkout). */
    projectMount?: { hostPath: string; containerPath: string };
    /** The controller's login public key (OpenSSH), which the agent trusts: one pair, made by Jenkins, for every agent. */
    trustedLoginKey: pulumi.Input<string>;
}

/**
 * The SSH build agent: runs the jobs with the host's Docker engine. It trusts the controller's login key
 * (trustedLoginKey) and generates its own host key pair, so the controller pins a host key that survives
 * re-creating the agent.
 */
export class JenkinsAgent extends pulumi.ComponentResource {
    /** The agent's SSH host public key, for the controller to pin. */
    public readonly hostPublicKey: pulumi.Output<string>;

    constructor(name: string, args: JenkinsAgentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("adult-mlops:index:JenkinsAgent", name, {}, opts);
        const childOpts = { parent: this };
        const { engine, reachedAt } = args;

        const image = new LocalImage(
            `${name}-image`,
            { context: args.context, imageName: args.imageName, buildArgs: { BASE_IMAGE: args.baseImage }, engine },
            childOpts,
        );
        const hostKey = new tls.PrivateKey(`${name}-host-key`, { algorithm: "ED25519" }, childOpts);

        new docker.Container(
            name,
            {
                name: args.hostName,
                image: image.imageId,
                restart: "unless-stopped",
                envs: [pulumi.interpolate`JENKINS_AGENT_SSH_PUBKEY=${args.trustedLoginKey}`],
                ...("networkName" in reachedAt
                    ? { networksAdvanced: [{ name: reachedAt.networkName, aliases: [args.hostName] }] }
                    : { ports: [{ internal: 22, external: reachedAt.port, ip: reachedAt.address }] }),
                volumes: [
                    // The jobs drive the host's engine so they share its images and the data volume (jenkins/README.md).
                    { hostPath: engine.host.socketPath, containerPath: "/var/run/docker.sock" },
                    ...(args.projectMount ? [{ ...args.projectMount, readOnly: true }] : []),
                ],
                uploads: secretInState([
                    { file: AGENT_HOST_KEY_FILE, content: hostKey.privateKeyOpenssh, permissions: "0400" },
                ]),
                destroyGraceSeconds: AGENT_STOP_GRACE_SECONDS,
            },
            // A component's dependsOn does not reach its children: the container itself must wait for (and,
            // on destroy, go before) what the caller names.
            { ...childOpts, provider: engine.provider, dependsOn: opts?.dependsOn },
        );

        // OpenSSH's "type base64 [comment]\n"; Jenkins pins "type base64".
        this.hostPublicKey = hostKey.publicKeyOpenssh.apply((key) => key.trim().split(/\s+/).slice(0, 2).join(" "));
        this.registerOutputs({ hostPublicKey: this.hostPublicKey });
    }
}
