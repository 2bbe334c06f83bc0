import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { readDeclarations } from "../../config/declaredConfig";
import { checkoutId, repoRoot } from "./paths";

/** The stack's default base of the model and agent images (Pulumi.yaml's baseImage). */
export const baseImage = readDeclarations(repoRoot).baseImage.default;

export const testModelImageTag = `adult-mlops-model:test-${checkoutId}`;

/** Builds the model image from ml/ with the real docker CLI (layer cache makes repeats cheap) and returns its tag. */
export function buildModelImage(tag: string = testModelImageTag): string {
    execFileSync("docker", ["build", "--quiet", "--build-arg", `BASE_IMAGE=${baseImage}`, "--tag", tag, path.join(repoRoot, "ml")], {
        stdio: ["ignore", "ignore", "inherit"],
    });
    return tag;
}
