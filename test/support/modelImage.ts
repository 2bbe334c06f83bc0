import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { readDeclarations } from "../../config/declaredConfig";
import { parseMemoryLimit, parsePidsLimit } from "../../config/validators";
import { ModelContainerLimits } from "../../contracts/modelImage";
import { checkoutId, repoRoot } from "./paths";

const declared = readDeclarations(repoRoot);

/** The stack's default base of the model and agent images (Pulumi.yaml's baseImage). */
export const baseImage = declared.baseImage.default;

/** The stack's default limits of every model container (Pulumi.yaml's modelMemoryLimit and modelPidsLimit). */
export const defaultContainerLimits: ModelContainerLimits = {
    memory: parseMemoryLimit("modelMemoryLimit", declared.modelMemoryLimit.default),
    pids: parsePidsLimit("modelPidsLimit", declared.modelPidsLimit.default),
};

export const testModelImageTag = `adult-mlops-model:test-${checkoutId}`;

/** Builds the model image from ml/ with the real docker CLI (layer cache makes repeats cheap) and returns its tag. */
export function buildModelImage(tag: string = testModelImageTag): string {
    execFileSync(
        "docker",
        ["build", "--quiet", "--build-arg", `BASE_IMAGE=${baseImage}`, "--tag", tag, path.join(repoRoot, "ml")],
        {
            stdio: ["ignore", "ignore", "inherit"],
        },
    );
    return tag;
}
