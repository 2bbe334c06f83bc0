import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { repoRoot } from "./paths";
import { configDefaults } from "../../config/stackConfig";

export const testModelImageTag = "adult-mlops-model:test";

/** Builds the model image from ml/ with the real docker CLI (layer cache makes repeats cheap) and returns its tag. */
export function buildModelImage(tag: string = testModelImageTag): string {
    execFileSync(
        "docker",
        ["build", "--quiet", "--build-arg", `BASE_IMAGE=${configDefaults.baseImage}`, "--tag", tag, path.join(repoRoot, "ml")],
        { stdio: ["ignore", "ignore", "inherit"] },
    );
    return tag;
}
