import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { BuildHost } from "../config/buildHosts";
import { DataSource } from "../config/validators";
import { DockerEngine, hostScopedName } from "./dockerHost";
import { JENKINS_TYPE } from "./jenkins";

export interface JobDataVolumesArgs {
    /** The stack's data source: only a URL source is downloaded into a volume. */
    dataSource: DataSource;
    /** The host whose engine runs the stack's pipeline: its chain of the jobs shares the pipeline's data volume. */
    pipelineHost: BuildHost;
    /** The data volume's name on every engine (the jobs' scripts mount it by that name). */
    volumeName: string;
    /** The Jenkins component's name: the volumes are named after it, and were once its children. */
    jenkinsName: string;
}

/**
 * The data volume of each build host's chain of the jobs, by host name, on that host's engine. With a
 * URL source every host but the pipeline's gets one (its chain downloads and verifies its own copy into
 * it); the pipeline's host uses the pipeline's own. A directory source needs none.
 *
 * These volumes were children of Jenkins: each keeps its name and aliases the URN it had there, so
 * moving it here replaces nothing on an existing stack.
 */
export function jobDataVolumes(engines: DockerEngine[], args: JobDataVolumesArgs): Map<string, docker.Volume> {
    const hosts = engines.map((engine) => engine.host);
    const formerParent = pulumi.createUrn(args.jenkinsName, JENKINS_TYPE);
    const volumes = new Map<string, docker.Volume>();
    if (args.dataSource.kind !== "url") {
        return volumes;
    }
    for (const engine of engines.filter((candidate) => candidate.host.name !== args.pipelineHost.name)) {
        volumes.set(
            engine.host.name,
            new docker.Volume(
                hostScopedName(`${args.jenkinsName}-job-data`, engine.host, hosts),
                { name: args.volumeName },
                { provider: engine.provider, aliases: [{ parent: formerParent }] },
            ),
        );
    }
    return volumes;
}
