import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { after, describe, it } from "node:test";
import { removeJobLeftoversScript } from "../../components/jenkins";
import { removeImageScript } from "../../components/localImage";
import { baseImage } from "../support/modelImage";

const prefix = `adult-mlops-destroy-test-${process.pid}`;

/** Builds a throwaway image from the base image (`label` makes its content, and so its ID, distinct) and returns its ID. */
function throwawayImage(tag: string, label = tag): string {
    execFileSync("docker", ["build", "--quiet", "--tag", tag, "-"], {
        input: `FROM ${baseImage}\nLABEL purpose=${label.replace(/[:/]/g, "-")}\n`,
    });
    return execFileSync("docker", ["image", "inspect", "--format", "{{.Id}}", tag], { encoding: "utf8" }).trim();
}

function runScript(script: string, environment: Record<string, string>) {
    return spawnSync("/bin/sh", ["-c", script], { env: { ...process.env, ...environment }, encoding: "utf8" });
}

const exists = (...args: string[]) => spawnSync("docker", args).status === 0;
const tagsOf = (image: string) =>
    execFileSync("docker", ["image", "inspect", "--format", '{{join .RepoTags " "}}', image], { encoding: "utf8" })
        .trim()
        .split(" ")
        .filter(Boolean)
        .sort();

describe("what pulumi destroy runs on the Docker host", () => {
    after(() => {
        spawnSync("sh", [
            "-c",
            `docker ps -aq --filter name=${prefix} | xargs -r docker rm --force; docker image ls --format '{{.Repository}}:{{.Tag}}' | grep '^${prefix}' | xargs -r docker image rm --force`,
        ]);
    });

    it("removes an image the stack built, and succeeds when it is already gone", () => {
        const name = `${prefix}-model:latest`;
        const imageId = throwawayImage(name);
        assert.equal(runScript(removeImageScript, { IMAGE_ID: imageId, IMAGE_NAME: name }).status, 0);
        assert.equal(exists("image", "inspect", imageId), false, "the image is gone");
        assert.equal(
            runScript(removeImageScript, { IMAGE_ID: imageId, IMAGE_NAME: name }).status,
            0,
            "removing again is not an error",
        );
    });

    it("removes a superseded image, whose tag now names its successor, and leaves the successor", () => {
        const name = `${prefix}-rebuilt:latest`;
        const oldId = throwawayImage(name, "old");
        const newId = throwawayImage(name, "new");
        const result = runScript(removeImageScript, { IMAGE_ID: oldId, IMAGE_NAME: name });
        assert.equal(result.status, 0, result.stderr);
        assert.equal(exists("image", "inspect", oldId), false);
        assert.deepEqual(tagsOf(newId), [name]);
    });

    it("keeps an image another tag still names (a Jenkins build of the same files), removing only its own tag", () => {
        const name = `${prefix}-shared:latest`;
        const jobTag = `${prefix}-shared-jenkins:jenkins`;
        const imageId = throwawayImage(name, "shared");
        execFileSync("docker", ["tag", imageId, jobTag]);
        const result = runScript(removeImageScript, { IMAGE_ID: imageId, IMAGE_NAME: name });
        assert.equal(result.status, 0, result.stderr);
        assert.deepEqual(tagsOf(imageId), [jobTag]);
        assert.match(result.stdout, new RegExp(`kept image ${imageId}: still tagged ${jobTag}`));
    });

    it("keeps an image a container still uses, says so, and does not fail", () => {
        const name = `${prefix}-in-use:latest`;
        const imageId = throwawayImage(name, "in-use");
        execFileSync("docker", ["create", "--name", `${prefix}-user`, imageId, "true"]);
        const result = runScript(removeImageScript, { IMAGE_ID: imageId, IMAGE_NAME: name });
        assert.equal(result.status, 0, result.stderr);
        assert.ok(exists("image", "inspect", imageId), "the image is still there");
        assert.match(result.stdout, new RegExp(`kept image ${imageId}: .*(being used|must force|must be forced)`));
    });

    it("removes the Jenkins jobs' model image tags and a model container an interrupted chain left, sparing the stack's own tag", () => {
        const repository = `${prefix}-leftovers-model-jenkins`;
        const container = `${prefix}-leftovers-model`;
        const sharedId = throwawayImage(`${repository}:jenkins`, "leftovers");
        const stackTag = `${prefix}-leftovers-model:latest`;
        execFileSync("docker", ["tag", sharedId, stackTag]);
        const olderId = throwawayImage(`${repository}:older`);
        execFileSync("docker", [
            "run",
            "--detach",
            "--name",
            container,
            "--network",
            "none",
            `${repository}:jenkins`,
            "sleep",
            "infinity",
        ]);
        const environment = { MODEL_CONTAINER: container, JOB_IMAGE_REPOSITORY: repository };

        const result = runScript(removeJobLeftoversScript, environment);
        assert.equal(result.status, 0, result.stderr);
        assert.equal(exists("container", "inspect", container), false, "the container is gone");
        assert.equal(
            execFileSync("docker", ["image", "ls", "--quiet", repository], { encoding: "utf8" }).trim(),
            "",
            "no tag of the repository is left",
        );
        assert.equal(exists("image", "inspect", olderId), false, "an image only the jobs used is gone");
        assert.deepEqual(tagsOf(sharedId), [stackTag], "the stack's tag of the same image stays");
        assert.equal(
            runScript(removeJobLeftoversScript, environment).status,
            0,
            "nothing left to remove is not an error",
        );
    });

    it("stops with a message, and no claim of success, when the Docker engine is not reachable", () => {
        for (const script of [removeImageScript, removeJobLeftoversScript]) {
            const result = runScript(script, {
                DOCKER_HOST: "unix:///nonexistent/docker.sock",
                IMAGE_ID: "x",
                IMAGE_NAME: "x",
                MODEL_CONTAINER: "x",
                JOB_IMAGE_REPOSITORY: "x",
            });
            assert.equal(result.status, 1);
            assert.match(result.stderr, /the Docker engine is not reachable/);
        }
    });
});
