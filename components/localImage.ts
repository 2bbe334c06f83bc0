import * as path from "node:path";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "./dockerHost";

export interface LocalImageArgs {
    /** Folder holding the Dockerfile; it is the build context too. */
    context: string;
    /** Name and tag of the image on the Docker host, e.g. `adult-mlops-dev-model:latest`. */
    imageName: pulumi.Input<string>;
    /** Build arguments; an empty value is left out so the Dockerfile's own default applies. */
    buildArgs?: Record<string, pulumi.Input<string>>;
    /** The engine it is built on and removed from. */
    engine: DockerEngine;
}

/**
 * An image built on the Docker host and never pushed. Unlike a bare `docker.Image`, it removes
 * what it built: the old image when a rebuild replaces it, and the image on `pulumi destroy`.
 */
export class LocalImage extends pulumi.ComponentResource {
    /** The image's name and tag. */
    public readonly imageName: pulumi.Output<string>;
    /**
     * The local image ID (`sha256:…`). Containers must run this, not the tag, so they are replaced
     * when the image is rebuilt; it also orders their removal before the image's.
     */
    public readonly imageId: pulumi.Output<string>;

    constructor(name: string, args: LocalImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("adult-mlops:index:LocalImage", name, {}, opts);

        const image = new docker.Image(
            name,
            {
                imageName: args.imageName,
                skipPush: true,
                build: {
                    context: args.context,
                    dockerfile: path.join(args.context, "Dockerfile"),
                    // The engine's own platform: without it the provider builds for the machine running Pulumi.
                    platform: args.engine.host.platform,
                    args: withoutEmptyValues(args.buildArgs ?? {}),
                },
            },
            { parent: this, provider: args.engine.provider },
        );

        const removal = new command.local.Command(
            `${name}-removal`,
            {
                environment: args.engine.commandEnvironment({
                    IMAGE_ID: image.repoDigest,
                    IMAGE_NAME: image.imageName,
                }),
                delete: `${args.engine.cliPreamble}${removeImageScript}`,
                triggers: [image.repoDigest],
            },
            { parent: this },
        );

        this.imageName = image.imageName;
        this.imageId = pulumi.all([image.repoDigest, removal.urn]).apply(([imageId]) => imageId);
        this.registerOutputs({ imageName: this.imageName, imageId: this.imageId });
    }
}

/** Stops a destroy step when the engine is down, rather than leaving things behind unreported. */
export const engineReachableCheck =
    'docker info >/dev/null 2>&1 || { echo "the Docker engine is not reachable: start it and run pulumi destroy again" >&2; exit 1; }';

/**
 * Runs on destroy, and on replacement for the superseded image. It removes the stack's tag while the tag
 * still names this image, then the image only when no other tag names it (never by force, which would
 * take tags such as the Jenkins jobs' build of the same files along). An image already gone is fine;
 * an image still tagged or used by a container is kept, and the command says so.
 */
export const removeImageScript = `${engineReachableCheck}
docker image inspect "$IMAGE_ID" >/dev/null 2>&1 || exit 0
if [ "$(docker image inspect --format '{{.Id}}' "$IMAGE_NAME" 2>/dev/null)" = "$IMAGE_ID" ] && ! output="$(docker image rm "$IMAGE_NAME" 2>&1)"; then
  echo "kept image $IMAGE_ID: $output"
  exit 0
fi
docker image inspect "$IMAGE_ID" >/dev/null 2>&1 || exit 0
tags="$(docker image inspect --format '{{join .RepoTags " "}}' "$IMAGE_ID")"
if [ -n "$tags" ]; then echo "kept image $IMAGE_ID: still tagged $tags"; exit 0; fi
output="$(docker image rm "$IMAGE_ID" 2>&1)" || echo "kept image $IMAGE_ID: $output"`;

function withoutEmptyValues(buildArgs: Record<string, pulumi.Input<string>>): pulumi.Output<Record<string, string>> {
    return pulumi
        .output(buildArgs)
        .apply((resolved) => Object.fromEntries(Object.entries(resolved).filter(([, value]) => value !== "")));
}
