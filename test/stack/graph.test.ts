import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { removeJobLeftoversScript } from "../../components/jenkins";
import { SECRET_FILE_MODE } from "../../jenkins/settings";
import * as path from "node:path";
import { repoRoot, sharedDataDir } from "../support/paths";
import { openSshEd25519PublicKey, simulatedProviders } from "./support/simulatedProviders";
import { readDeclarations } from "../../config/declaredConfig";
import {
    exitStatusEnvironment,
    modelContainerEnvironment,
    ModelName,
    modelEnvironment,
} from "../../contracts/modelImage";
import { serviceEnvironment } from "../../contracts/modelService";
import { sha256OfCommandInputs } from "../../fingerprints/commandInputs";
import { contractShapedMetrics } from "../contracts/metricsFixture";
import { defaultContainerLimits } from "../support/modelImage";
import { configuredAdminPassword, gitHubConfig, gitHubSecretKeys, localConfig } from "./support/stackModes";
import {
    containsSecretInput,
    isSecretInput,
    resourceNamed,
    resourcesOfType,
    revealed,
    runStack,
    StackRun,
} from "./support/stackHarness";

const adminPassword = configuredAdminPassword;

function uploadsOf(run: StackRun, containerName: string): Array<Record<string, string>> {
    const container = resourceNamed(run, "docker:index/container:Container", containerName);
    assert.ok(
        isSecretInput(container.wire?.inputs.uploads),
        "uploads carry secrets, so the engine must get them as a secret as a whole",
    );
    return revealed(container.inputs.uploads);
}

describe("local mode (no repository configured)", () => {
    let run: StackRun;
    before(async () => {
        run = await runStack(localConfig, simulatedProviders);
    });

    it("creates nothing on GitHub and says so", () => {
        assert.equal(run.resources.filter((r) => r.type.startsWith("github:")).length, 0);
        assert.match(String(run.outputs.githubMode), /^off/);
        assert.equal(run.outputs.webhookUrl, undefined);
    });

    // Catches a resource created outside a component, or a component that lost its type token or name.
    it("is made of the project's components, one per concern", () => {
        const components = run.resources
            .filter((r) => r.type.startsWith("adult-mlops:"))
            .map((r) => `${r.type} ${r.name}`);
        assert.deepEqual(components.sort(), [
            "adult-mlops:index:GatedPipeline pipeline",
            "adult-mlops:index:Jenkins jenkins",
            "adult-mlops:index:JenkinsAgent jenkins-agent",
            "adult-mlops:index:LocalImage jenkins-agent-image",
            "adult-mlops:index:LocalImage jenkins-controller-image",
            "adult-mlops:index:LocalImage model-image",
            "adult-mlops:index:ModelService model-service",
        ]);
    });

    // Catches an image pushed to a registry (skipPush lost), or a base image other than the configured one.
    it("builds the model, controller and agent images locally, never pushing", () => {
        const images = resourcesOfType(run, "docker:index/image:Image");
        assert.deepEqual(images.map((i) => i.name).sort(), [
            "jenkins-agent-image",
            "jenkins-controller-image",
            "model-image",
        ]);
        for (const image of images) {
            assert.equal(image.inputs.skipPush, true, image.name);
            assert.match(image.inputs.imageName, /^adult-mlops-test-/);
        }
        assert.equal(
            resourceNamed(run, "docker:index/image:Image", "model-image").inputs.build.args.BASE_IMAGE,
            readDeclarations(repoRoot).baseImage.default,
        );
        assert.equal(
            "JENKINS_BASE_IMAGE" in
                resourceNamed(run, "docker:index/image:Image", "jenkins-controller-image").inputs.build.args,
            false,
        );
    });

    it("removes every image it built on destroy", () => {
        for (const image of resourcesOfType(run, "docker:index/image:Image")) {
            const removal = resourceNamed(run, "command:local:Command", `${image.name}-removal`);
            const imageId = simulatedProviders(image).repoDigest;
            assert.equal(removal.inputs.environment.IMAGE_ID, imageId);
            assert.deepEqual(removal.inputs.triggers, [imageId]);
            assert.match(removal.inputs.delete, /docker image rm/);
        }
    });

    // Catches the cleanup aimed at other names than the ones the jobs use, or run on create instead of destroy.
    it("removes on destroy what the Jenkins jobs leave on the Docker host", () => {
        const leftovers = resourceNamed(run, "command:local:Command", "jenkins-job-leftovers");
        assert.deepEqual(leftovers.inputs.environment, {
            MODEL_CONTAINER: "adult-mlops-test-model",
            JOB_IMAGE_REPOSITORY: "adult-mlops-test-model-jenkins",
        });
        assert.equal(leftovers.inputs.delete, removeJobLeftoversScript);
        assert.equal(leftovers.inputs.create, undefined);
    });

    // Catches Jenkins published on every interface (the provider's default ip is 0.0.0.0).
    it("publishes Jenkins on 127.0.0.1 only, with a health check and a restart policy", () => {
        const controller = resourceNamed(run, "docker:index/container:Container", "jenkins-controller");
        assert.deepEqual(controller.inputs.ports, [{ internal: 8080, external: 8080, ip: "127.0.0.1" }]);
        assert.equal(controller.inputs.restart, "unless-stopped");
        assert.match(controller.inputs.healthcheck.tests.join(" "), /curl .*\/login/);
        assert.equal(run.outputs.jenkinsUrl, "http://127.0.0.1:8080/");
    });

    it("runs containers from image IDs so a rebuild replaces them", () => {
        const images = Object.fromEntries(
            resourcesOfType(run, "docker:index/image:Image").map((image) => [
                image.name,
                simulatedProviders(image).repoDigest,
            ]),
        );
        assert.equal(
            resourceNamed(run, "docker:index/container:Container", "jenkins-controller").inputs.image,
            images["jenkins-controller-image"],
        );
        assert.equal(
            resourceNamed(run, "docker:index/container:Container", "jenkins-agent").inputs.image,
            images["jenkins-agent-image"],
        );
    });

    // Catches build history in the container's own layer (lost on every replacement) or the controller given the Docker socket.
    it("keeps JENKINS_HOME in a volume and gives only the agent the Docker socket", () => {
        const controller = resourceNamed(run, "docker:index/container:Container", "jenkins-controller");
        assert.deepEqual(controller.inputs.volumes, [
            { volumeName: "adult-mlops-test-jenkins-home", containerPath: "/var/jenkins_home" },
        ]);
        const agentVolumes = resourceNamed(run, "docker:index/container:Container", "jenkins-agent").inputs.volumes;
        assert.ok(agentVolumes.some((v: Record<string, unknown>) => v.hostPath === "/var/run/docker.sock"));
        assert.ok(
            agentVolumes.some(
                (v: Record<string, unknown>) => v.containerPath === "/srv/adult-mlops/project" && v.readOnly === true,
            ),
        );
    });

    // Catches a job or the JCasC file missing from the controller, or a secret file readable by others.
    it("hands the controller its configuration, jobs and generated secrets as files", () => {
        const files = uploadsOf(run, "jenkins-controller").map((upload) => upload.file);
        assert.ok(files.includes("/var/jenkins_conf/jenkins.yaml"));
        for (const job of ["github-to-container", "preprocessing", "train", "test"]) {
            assert.ok(files.includes(`/usr/share/jenkins/ref/jobs/${job}/config.xml.override`), job);
        }
        const secretFiles = uploadsOf(run, "jenkins-controller").filter((upload) =>
            upload.file.startsWith("/run/secrets/"),
        );
        assert.deepEqual(secretFiles.map((f) => f.file).sort(), [
            "/run/secrets/jenkins-admin-password",
            "/run/secrets/jenkins-agent-ssh-key",
        ]);
        for (const file of secretFiles) {
            // Readable by uid 1000 only through the image's SECRETS_DIR (test/jenkins/secretFiles.docker.test.ts proves it).
            assert.deepEqual([file.owner, file.permissions], ["1000", SECRET_FILE_MODE]);
        }
        const generated = resourceNamed(run, "random:index/randomPassword:RandomPassword", "jenkins-admin-password");
        assert.equal(generated.inputs.length >= 20, true);
        assert.ok(run.secretOutputs.has("jenkinsAdminPassword"));
        assert.equal(
            secretFiles.find((f) => f.file.endsWith("jenkins-admin-password"))?.content,
            run.outputs.jenkinsAdminPassword,
        );
    });

    it("pins the agent's generated host key in the controller's configuration", () => {
        const hostKey = simulatedProviders(
            resourceNamed(run, "tls:index/privateKey:PrivateKey", "jenkins-agent-host-key"),
        );
        assert.deepEqual(uploadsOf(run, "jenkins-agent"), [
            { file: "/run/secrets/agent-ssh-host-key", content: hostKey.privateKeyOpenssh, permissions: "0400" },
        ]);
        const casc = uploadsOf(run, "jenkins-controller").find(
            (upload) => upload.file === "/var/jenkins_conf/jenkins.yaml",
        );
        const [keyType, keyBody] = String(hostKey.publicKeyOpenssh).trim().split(" ");
        assert.match(
            casc?.content ?? "",
            new RegExp(
                `manuallyProvidedKeyVerificationStrategy:\\s+key: ${keyType} ${keyBody.replace(/[+/]/g, "\\$&")}`,
            ),
        );
    });

    // Catches the command's environment drifting from the one Jenkins' jobs get (a variable added on one side only).
    it("runs the gated pipeline with no secret among its inputs and reruns only on what it depends on", () => {
        const pipelineRun = resourceNamed(run, "command:local:Command", "pipeline-run");
        assert.equal(pipelineRun.inputs.create, "bash scripts/run-gated-pipeline.sh");
        // The same model environment and gate status Jenkins' jobs get, and the data source by kind.
        assert.deepEqual(pipelineRun.inputs.environment, {
            ...modelEnvironment({
                threshold: run.outputs.threshold as number,
                maxRegression: 0.005,
                model: run.outputs.model as ModelName,
                rawDataFile: "adult.data",
                testDataFile: "adult.test",
            }),
            ...exitStatusEnvironment(),
            // Pulumi.yaml's modelMemoryLimit and modelPidsLimit, as Jenkins' jobs get them too.
            ...modelContainerEnvironment(defaultContainerLimits),
            DATA_URL: "",
            DATA_DIR: sharedDataDir,
            DATA_VOLUME: "",
            FAIL_ON_GATE: "false",
            MODEL_IMAGE: pipelineRun.inputs.environment.MODEL_IMAGE,
            REGISTRY_VOLUME: "adult-mlops-test-registry",
            REPORTS_DIR: path.join(repoRoot, "reports", "test"),
        });
        const [imageId, dataFingerprint, scriptDigest] = pipelineRun.inputs.triggers;
        assert.equal(imageId, pipelineRun.inputs.environment.MODEL_IMAGE);
        assert.match(dataFingerprint, /^adult\.data:[0-9a-f]{64},adult\.test:[0-9a-f]{64}$/);
        assert.match(scriptDigest, /^[0-9a-f]{64}$/);
        for (const output of ["validationAccuracy", "testAccuracy", "gatePassed", "pipelineMetrics"]) {
            assert.equal(run.secretOutputs.has(output), false, output);
        }
    });

    it("creates the model registry volume, which pulumi destroy removes unless keepModelRegistry keeps it", async () => {
        const volume = resourceNamed(run, "docker:index/volume:Volume", "pipeline-registry");
        assert.equal(volume.inputs.name, "adult-mlops-test-registry");
        assert.equal(volume.wire?.retainOnDelete, false);
        const pipelineRun = resourceNamed(run, "command:local:Command", "pipeline-run");
        assert.ok(
            pipelineRun.wire?.dependencies.includes(volume.wire?.urn ?? "-"),
            "created before the run, removed after it",
        );
        const jobLeftovers = resourceNamed(run, "command:local:Command", "jenkins-job-leftovers");
        assert.ok(
            jobLeftovers.wire?.dependencies.includes(volume.wire?.urn ?? "-"),
            "removed only after the jobs' leftovers",
        );
        const kept = await runStack({ ...localConfig, keepModelRegistry: "true" }, simulatedProviders);
        assert.equal(resourceNamed(kept, "docker:index/volume:Volume", "pipeline-registry").wire?.retainOnDelete, true);
        assert.equal(
            resourceNamed(kept, "docker:index/volume:Volume", "jenkins-home").wire?.retainOnDelete,
            false,
            "each volume follows its own setting",
        );
    });

    it("caches downloads in a volume only for a URL source", async () => {
        assert.deepEqual(
            resourcesOfType(run, "docker:index/volume:Volume")
                .map((volume) => volume.name)
                .sort(),
            ["jenkins-home", "model-service-request-log", "pipeline-registry"],
            "no data volume",
        );
        const urlRun = await runStack({}, simulatedProviders);
        const volume = resourceNamed(urlRun, "docker:index/volume:Volume", "pipeline-data");
        const pipelineRun = resourceNamed(urlRun, "command:local:Command", "pipeline-run");
        assert.equal(pipelineRun.inputs.environment.DATA_VOLUME, volume.inputs.name);
        assert.equal(pipelineRun.inputs.environment.DATA_URL, "https://archive.ics.uci.edu/static/public/2/adult.zip");
        assert.equal(pipelineRun.inputs.environment.DATA_DIR, "");
    });
});

describe("the prediction service", () => {
    let run: StackRun;
    before(async () => {
        run = await runStack(localConfig, simulatedProviders);
    });
    const serviceCommand = () => resourceNamed(run, "command:local:Command", "model-service-container");

    // Catches the service started by a docker.Container (no pids limit) or without its stop on destroy.
    it("is started by scripts/model-service.sh on create and update, and stopped by it on destroy", () => {
        const { inputs } = serviceCommand();
        assert.equal(inputs.create, "bash scripts/model-service.sh start");
        assert.equal(
            inputs.update,
            inputs.create,
            "an update (a new champion) starts it again, which keeps a running container",
        );
        assert.equal(inputs.delete, "bash scripts/model-service.sh stop");
        assert.equal(inputs.dir, repoRoot);
        assert.equal(
            resourcesOfType(run, "docker:index/container:Container").some((container) =>
                container.name.includes("service"),
            ),
            false,
        );
    });

    // Catches the new container started before the old one, of the same name, is stopped (Pulumi creates first by default).
    it("stops the old container before a replacement starts the new one", () => {
        assert.equal(serviceCommand().wire?.deleteBeforeReplace, true);
    });

    it("gets the model image, the serve settings, the limits every model container gets and the digest of the pipeline's run inputs", () => {
        const { inputs } = serviceCommand();
        const pipelineRun = resourceNamed(run, "command:local:Command", "pipeline-run");
        assert.ok(
            !inputs.environment.SERVICE_ENV_VARS.split(" ").includes("PIPELINE_RUN_INPUTS"),
            "not handed to the container, so not in its fingerprint",
        );
        const modelImageId = simulatedProviders(
            resourceNamed(run, "docker:index/image:Image", "model-image"),
        ).repoDigest;
        assert.deepEqual(inputs.environment, {
            ...serviceEnvironment({
                hostPort: 8090,
                maxRows: 10000,
                maxBodyBytes: 10485760,
                requestLog: { sampleRate: 0.01, maxBytes: 67108864 },
            }),
            ...exitStatusEnvironment(),
            ...modelContainerEnvironment(defaultContainerLimits),
            MODEL_IMAGE: modelImageId,
            SERVICE_CONTAINER: "adult-mlops-test-model-service",
            SERVE_HOST_PORT: "8090",
            REGISTRY_VOLUME: "adult-mlops-test-registry",
            REQUEST_LOG_VOLUME: "adult-mlops-test-request-log",
            PIPELINE_RUN_INPUTS: sha256OfCommandInputs(
                revealed(pipelineRun.inputs.environment),
                pipelineRun.inputs.triggers,
            ),
        });
        const [imageId, scriptDigest] = inputs.triggers;
        assert.equal(imageId, modelImageId, "a new image restarts it");
        assert.match(scriptDigest, /^[0-9a-f]{64}$/);
    });

    // Catches the service command left as it was after a rerun of the pipeline (servedModel stale), or updated when the pipeline did not rerun.
    it("is updated exactly when the pipeline's command runs again: PIPELINE_RUN_INPUTS follows its environment and triggers only", async () => {
        const runInputsOf = async (config: Record<string, string>) =>
            resourceNamed(
                await runStack(config, simulatedProviders),
                "command:local:Command",
                "model-service-container",
            ).inputs.environment.PIPELINE_RUN_INPUTS;
        const unchanged = serviceCommand().inputs.environment.PIPELINE_RUN_INPUTS;
        assert.match(unchanged, /^[0-9a-f]{64}$/);
        assert.equal(await runInputsOf(localConfig), unchanged, "the same inputs, the same digest");
        assert.notEqual(
            await runInputsOf({ ...localConfig, threshold: "0.81" }),
            unchanged,
            "a new threshold reruns the pipeline (its environment)",
        );
        assert.notEqual(
            await runInputsOf({ ...localConfig, rawDataFile: "adult.test" }),
            unchanged,
            "other data reruns it (its triggers)",
        );
        assert.equal(
            await runInputsOf({ ...localConfig, serveMaxRows: "500" }),
            unchanged,
            "a serve setting restarts the service, not the pipeline",
        );
    });

    it("hands the container no request log variables but an empty REQUEST_LOG_DIR when requestLogMaxBytes is 0", async () => {
        const withoutLog = await runStack({ ...localConfig, requestLogMaxBytes: "0" }, simulatedProviders);
        const { environment } = resourceNamed(withoutLog, "command:local:Command", "model-service-container").inputs;
        assert.equal(environment.REQUEST_LOG_DIR, "");
        assert.equal(environment.SERVICE_ENV_VARS, "SERVE_PORT SERVE_MAX_ROWS SERVE_MAX_BODY_BYTES REQUEST_LOG_DIR");
    });

    // On destroy a resource goes before what it depends on: the container before the registry and its own volume.
    it("starts after the pipeline's run, and stops before the registry, its request log volume and the image go", () => {
        const dependencies = serviceCommand().wire?.dependencies ?? [];
        for (const [type, name] of [
            ["command:local:Command", "pipeline-run"],
            ["docker:index/volume:Volume", "pipeline-registry"],
            ["docker:index/volume:Volume", "model-service-request-log"],
            ["command:local:Command", "model-image-removal"],
        ]) {
            assert.ok(dependencies.includes(resourceNamed(run, type, name).wire?.urn ?? "-"), name);
        }
        const requestLog = resourceNamed(run, "docker:index/volume:Volume", "model-service-request-log");
        assert.equal(requestLog.inputs.name, "adult-mlops-test-request-log");
        assert.equal(
            requestLog.wire?.parent,
            resourceNamed(run, "adult-mlops:index:ModelService", "model-service").wire?.urn,
        );
    });

    it("reports where it answers and which champion it serves, as plain outputs", () => {
        assert.equal(run.outputs.predictionUrl, "http://127.0.0.1:8090");
        assert.deepEqual(run.outputs.servedModel, {
            version: contractShapedMetrics.champion?.version,
            model: contractShapedMetrics.model,
        });
        assert.equal(run.secretOutputs.has("predictionUrl") || run.secretOutputs.has("servedModel"), false);
    });
});

describe("GitHub mode", () => {
    let run: StackRun;
    before(async () => {
        run = await runStack(gitHubConfig, simulatedProviders, { secretKeys: gitHubSecretKeys });
    });
    const webhook = () =>
        revealed(resourceNamed(run, "github:index/repositoryWebhook:RepositoryWebhook", "github-webhook"));

    // Catches a hook on other events, a form-encoded payload the plugin reads differently, or TLS checks turned off.
    it("registers a signed JSON push webhook at the public Jenkins URL", () => {
        const { inputs } = webhook();
        assert.equal(inputs.repository, "adult-mlops");
        assert.deepEqual(inputs.events, ["push"]);
        assert.equal(inputs.configuration.url, "https://jenkins.example.com/github-webhook/");
        assert.equal(inputs.configuration.contentType, "json");
        assert.equal(inputs.configuration.insecureSsl, false);
        assert.equal(run.outputs.webhookUrl, "https://jenkins.example.com/github-webhook/");
        assert.equal(run.outputs.jenkinsUrl, "http://127.0.0.1:8080/", "users still reach the local port");
        const casc = uploadsOf(run, "jenkins-controller").find(
            (upload) => upload.file === "/var/jenkins_conf/jenkins.yaml",
        );
        assert.match(
            casc?.content ?? "",
            /location:\s+url: https:\/\/jenkins\.example\.com\//,
            "Jenkins calls itself by its public URL",
        );
    });

    it("signs with a generated secret that Jenkins gets as a secret file", () => {
        const generated = resourceNamed(run, "random:index/randomPassword:RandomPassword", "github-webhook-secret");
        const hook = resourceNamed(run, "github:index/repositoryWebhook:RepositoryWebhook", "github-webhook");
        assert.ok(
            isSecretInput(hook.wire?.inputs.configuration),
            "the hook's configuration holds the secret, so it is secret as a whole",
        );
        const secret = revealed(hook.inputs.configuration).secret;
        assert.equal(secret, simulatedProviders(generated).result);
        const upload = uploadsOf(run, "jenkins-controller").find(
            (u) => u.file === "/run/secrets/github-webhook-secret",
        );
        assert.equal(upload?.content, secret);
    });

    it("gives Jenkins a read-only deploy key to clone with", () => {
        const deployKey = resourceNamed(
            run,
            "github:index/repositoryDeployKey:RepositoryDeployKey",
            "github-deploy-key",
        );
        assert.equal(deployKey.inputs.readOnly, true);
        assert.equal(deployKey.inputs.key, openSshEd25519PublicKey("key:github-deploy-key"));
        const upload = uploadsOf(run, "jenkins-controller").find((u) => u.file === "/run/secrets/github-deploy-key");
        assert.match(upload?.content ?? "", /PRIVATE-github-deploy-key/);
    });

    it("uses the owner from the repository setting and the token from the github provider's config", () => {
        const provider = resourceNamed(run, "pulumi:providers:github", "github-provider");
        assert.equal(provider.inputs.owner, "octocat");
        assert.ok(isSecretInput(provider.inputs.token));
        assert.equal(revealed(provider.inputs.token), "ghp_not-a-real-token");
    });

    it("uses the configured admin password and keeps every secret out of plain outputs and the pipeline command", () => {
        const upload = uploadsOf(run, "jenkins-controller").find(
            (u) => u.file === "/run/secrets/jenkins-admin-password",
        );
        assert.equal(upload?.content, adminPassword);
        assert.equal(
            resourcesOfType(run, "random:index/randomPassword:RandomPassword").length,
            1,
            "only the webhook secret is generated",
        );
        assert.ok(run.secretOutputs.has("jenkinsAdminPassword"));
        const secrets = [adminPassword, "ghp_not-a-real-token", webhook().inputs.configuration.secret];
        const plain = JSON.stringify(
            Object.fromEntries(Object.entries(run.outputs).filter(([name]) => !run.secretOutputs.has(name))),
        );
        const pipelineInputs = JSON.stringify(
            revealed(resourceNamed(run, "command:local:Command", "pipeline-run").inputs),
        );
        const renderedConfig = uploadsOf(run, "jenkins-controller").filter((u) => !u.file.startsWith("/run/secrets/"));
        for (const secret of secrets) {
            assert.equal(plain.includes(secret), false);
            assert.equal(pipelineInputs.includes(secret), false);
            assert.equal(JSON.stringify(renderedConfig).includes(secret), false);
        }
    });

    it("does not mount the project into the agent: the first job clones the repository", () => {
        const agentVolumes = resourceNamed(run, "docker:index/container:Container", "jenkins-agent").inputs.volumes;
        assert.equal(
            agentVolumes.some((v: Record<string, unknown>) => v.containerPath === "/srv/adult-mlops/project"),
            false,
        );
    });
});

describe("a second pulumi up with the same configuration", () => {
    it("gives every resource the same inputs, so nothing changes", async () => {
        const first = await runStack(gitHubConfig, simulatedProviders, { secretKeys: gitHubSecretKeys });
        const second = await runStack(gitHubConfig, simulatedProviders, { secretKeys: gitHubSecretKeys });
        assert.deepEqual(second.resources, first.resources);
    });
});

describe("a pre-signed data URL (its query string is a secret)", () => {
    const signature = "X-Amz-Signature=0f1e2d3c4b5a";
    const signedUrl = `https://bucket.s3.example.com/adult.zip?X-Amz-Expires=600&${signature}`;
    let run: StackRun;
    before(async () => {
        // As `pulumi config set --secret dataSource …` holds it.
        run = await runStack({ dataSource: signedUrl }, simulatedProviders, { secretKeys: ["dataSource"] });
    });

    /** Every string among the inputs the engine gets in plain text (a secret input's value left out). */
    function plainStrings(value: unknown): string[] {
        if (isSecretInput(value)) return [];
        if (typeof value === "string") return [value];
        if (typeof value === "object" && value !== null) return Object.values(value).flatMap(plainStrings);
        return [];
    }

    // Catches the URL in a plain input: in state, in `pulumi stack export` and in a preview's diff.
    it("is in no resource's plain inputs: only in secret ones", () => {
        for (const resource of run.resources) {
            for (const text of plainStrings(resource.wire?.inputs)) {
                assert.ok(
                    !text.includes(signature) && !text.includes("X-Amz-Expires"),
                    `${resource.type} ${resource.name} holds the query string in plain text`,
                );
            }
        }
    });

    it("reaches the pipeline command whole, as a secret, reruns it only on the URL without its query, and leaves the figures plain", () => {
        const pipelineRun = resourceNamed(run, "command:local:Command", "pipeline-run");
        assert.ok(containsSecretInput(pipelineRun.wire?.inputs.environment));
        assert.equal(revealed(pipelineRun.inputs.environment).DATA_URL, signedUrl);
        assert.equal(pipelineRun.inputs.triggers[1], "https://bucket.s3.example.com/adult.zip?…");
        for (const output of [
            "pipelineMetrics",
            "validationAccuracy",
            "testAccuracy",
            "gatePassed",
            "promoted",
            "champion",
        ]) {
            assert.equal(run.secretOutputs.has(output), false, output);
        }
    });

    // A digest of the inputs, the URL among them: plain (checked above to hold no part of the URL), and it follows a new signature as the pipeline does.
    it("reaches the prediction service's command only as a plain digest of the pipeline's inputs", async () => {
        const runInputsOf = (stack: StackRun) =>
            resourceNamed(stack, "command:local:Command", "model-service-container").wire?.inputs.environment as Record<
                string,
                unknown
            >;
        const digest = runInputsOf(run).PIPELINE_RUN_INPUTS;
        assert.match(String(digest), /^[0-9a-f]{64}$/);
        const resigned = await runStack(
            { dataSource: signedUrl.replace(signature, "X-Amz-Signature=99887766") },
            simulatedProviders,
            { secretKeys: ["dataSource"] },
        );
        assert.notEqual(
            runInputsOf(resigned).PIPELINE_RUN_INPUTS,
            digest,
            "a new signature changes the pipeline's environment, so it reruns",
        );
    });

    it("reaches Jenkins as a credential: not in the JCasC global environment, the first job binds DATA_URL", () => {
        const casc =
            uploadsOf(run, "jenkins-controller").find((upload) => upload.file === "/var/jenkins_conf/jenkins.yaml")
                ?.content ?? "";
        assert.doesNotMatch(casc, /key: DATA_URL\n/);
        assert.match(casc, /id: data-source-url\n\s+description: .*\n\s+secret: \$\{data-source-url\}\n/);
        const firstJob =
            uploadsOf(run, "jenkins-controller").find((upload) =>
                upload.file.endsWith("/jobs/github-to-container/config.xml.override"),
            )?.content ?? "";
        assert.match(firstJob, /<credentialsId>data-source-url<\/credentialsId>\s+<variable>DATA_URL<\/variable>/);
    });

    it("is uploaded to the controller as its secret file, like the stack's other secrets", () => {
        const upload = uploadsOf(run, "jenkins-controller").find((u) => u.file === "/run/secrets/data-source-url");
        assert.equal(upload?.content, signedUrl);
        assert.deepEqual([upload?.owner, upload?.permissions], ["1000", SECRET_FILE_MODE]);
    });
});
