import { repoRoot, sharedDataDir } from "../../support/paths";
import { isSecretInput, StackRun } from "./stackHarness";

/**
 * A stack run as the engine would see it: every resource (type, name, parent, explicit provider,
 * dependencies, retainOnDelete, what it aliases, inputs as sent, secret markers included) and every export, with
 * what differs between clones replaced by placeholders. Two runs with equal snapshots give `pulumi up`
 * the same graph.
 *
 * Placeholders also stand for what the graph embeds from script files (the jobs' shell steps, the
 * digest of the scripts the pipeline's and the prediction service's commands run, and the digest of the
 * pipeline command's inputs the service's command gets, which covers those scripts and the clone's
 * paths): their text is checked by their own tests (test/stack/graph.test.ts checks that digest), and
 * a fix to a script must not read as a change of the graph.
 */
export function graphSnapshot(run: StackRun): object {
    const urns = new Map(
        run.resources.map((resource) => [resource.wire?.urn ?? "", `${resource.type}::${resource.name}`]),
    );
    const named = (urn: string): string => urns.get(urn) ?? urn;
    const resources = run.resources
        .map((resource) => {
            const wire = resource.wire;
            if (wire === undefined) {
                throw new Error(`${resource.type} ${resource.name} was never sent to the engine`);
            }
            return {
                resource: `${resource.type}::${resource.name}`,
                parent: named(wire.parent),
                provider: wire.provider,
                dependencies: wire.dependencies.map(named).sort(),
                retainOnDelete: wire.retainOnDelete,
                // Only where there are any: a resource moved to another parent keeps its state through what it was.
                ...(wire.aliases.length > 0 && {
                    aliases: wire.aliases.map((alias) =>
                        "urn" in alias ? alias : { ...alias, parent: named(alias.parent) },
                    ),
                }),
                inputs: normalised(
                    withoutPipelineRunInputs(
                        commandsWithScriptDigest.includes(resource.name)
                            ? withoutScriptDigest(wire.inputs)
                            : wire.inputs,
                    ),
                ),
            };
        })
        .sort((a, b) => a.resource.localeCompare(b.resource));
    // An export left undefined is no stack output: the SDK treats undefined properties as absent
    // (node_modules/@pulumi/pulumi/runtime/rpc.js, serializeFilteredProperties).
    const outputs = Object.fromEntries(
        Object.entries(run.outputs)
            .filter(([, value]) => value !== undefined)
            .map(([name, value]) => [name, normalised(value)]),
    );
    return { resources, outputs, secretOutputs: [...run.secretOutputs].sort() };
}

/** Commands whose last trigger is the digest of the scripts they run. */
const commandsWithScriptDigest = ["pipeline-run", "model-service-container"];

function withoutScriptDigest(inputs: Record<string, unknown>): Record<string, unknown> {
    const triggers = inputs.triggers as string[];
    return { ...inputs, triggers: [...triggers.slice(0, -1), "<sha256 of the command's scripts>"] };
}

/** The prediction service's PIPELINE_RUN_INPUTS as a placeholder, in an environment secret as a whole too. */
function withoutPipelineRunInputs(inputs: Record<string, unknown>): Record<string, unknown> {
    const environment = inputs.environment;
    if (typeof environment !== "object" || environment === null) {
        return inputs;
    }
    const placeholder = (values: Record<string, unknown>) =>
        "PIPELINE_RUN_INPUTS" in values
            ? { ...values, PIPELINE_RUN_INPUTS: "<sha256 of the pipeline command's inputs>" }
            : values;
    const secret = environment as { value?: unknown };
    return {
        ...inputs,
        environment: isSecretInput(environment)
            ? { ...secret, value: placeholder(secret.value as Record<string, unknown>) }
            : placeholder(environment as Record<string, unknown>),
    };
}

function normalised(value: unknown): unknown {
    if (typeof value === "string") {
        return value
            .replace(/<command>[^]*?<\/command>/g, "<command>(the job's shell step)</command>")
            .split(sharedDataDir)
            .join("<shared data>")
            .split(repoRoot)
            .join("<project>");
    }
    if (Array.isArray(value)) {
        return value.map(normalised);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, normalised(inner)]));
    }
    return value;
}
