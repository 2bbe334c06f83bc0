import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { removeJobLeftoversScript } from "../../components/jenkins";
import { removeImageScript } from "../../components/localImage";

/** Builds a throwaway image from the base image and returns its ID. */
function throwawayImage(tag: string): string {
    execFileSync("docker", ["build", "--quiet", "--tag", tag, "-"], { input: `FROM debian:bookworm-slim\nLABEL purpose=${tag.replace(/[:/]/g, "-")}\n` });
    return execFileSync("docker", ["image", "inspect", "--format", "{{.Id}}", tag], { encoding: "utf8" }).trim();
}

function runScript(script: string, environment: Record<string, string>) {
    return spawnSync("/bin/sh", ["-c", script], { env: { ...process.env, ...environment }, encoding: "utf8" });
}

const exists = (...args: string[]) => spawnSync("docker", args).status === 0;

describe("what pulumi destroy runs on the Docker host", () => {
    it("removes an image the stack built by its ID, and succeeds when it is already gone", () => {
        const imageId = throwawayImage("adult-mlops-removal-test:latest");
        assert.equal(runScript(removeImageScript, { IMAGE_ID: imageId }).status, 0);
        assert.equal(exists("image", "inspect", imageId), false, "the image is gone");
        assert.equal(runScript(removeImageScript, { IMAGE_ID: imageId }).status, 0, "removing again is not an error");
    });

    it("removes the Jenkins jobs' model images and a model container an interrupted chain left", () => {
        const repository = "adult-mlops-leftovers-test-model-jenkins";
        const container = "adult-mlops-leftovers-test-model";
        throwawayImage(`${repository}:jenkins`);
        throwawayImage(`${repository}:older`);
        execFileSync("docker", ["run", "--detach", "--name", container, "--network", "none", `${repository}:jenkins`, "sleep", "infinity"]);
        const environment = { MODEL_CONTAINER: container, JOB_IMAGE_REPOSITORY: repository };

        const result = runScript(removeJobLeftoversScript, environment);
        assert.equal(result.status, 0, result.stderr);
        assert.equal(exists("container", "inspect", container), false, "the container is gone");
        assert.equal(execFileSync("docker", ["image", "ls", "--quiet", repository], { encoding: "utf8" }).trim(), "", "no image of the repository is left");
        assert.equal(runScript(removeJobLeftoversScript, environment).status, 0, "nothing left to remove is not an error");
    });
});
