import { repoRoot, sharedDataDir } from "../../support/paths";
import { StackRun } from "./stackHarness";

/**
 * A stack run as the engine would see it: every resource (type, name, parent, explicit provider,
 * dependencies, retainOnDelete, inputs as sent, secret markers included) and every export, with
 * what differs between clones replaced by placeholders. Two runs with equal snapshots give `pulumi up`
 * the same graph.
 *
 * Placeholders also stand for what the graph embeds from script files (the jobs' shell steps, the
 * digest of the pipeline command's scripts): their text is checked by their own tests, and a fix to
 * a script must not read as a change of the graph.
 */
export function graphSnapshot(run: StackRun): object {
    const urns = new Map(run.resources.map((resource) => [resource.wire?.urn ?? "", `${resource.type}::${resource.name}`]));
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
                inputs: normalised(resource.name === "pipeline-run" ? withoutScriptDigest(wire.inputs) : wire.inputs),
            };
        })
        .sort((a, b) => a.resource.localeCompare(b.resource));
    // An export left undefined is no stack output: the SDK treats undefined properties as absent
    // (node_modules/@pulumi/pulumi/runtime/rpc.js, serializeFilteredProperties).
    const outputs = Object.fromEntries(Object.entries(run.outputs).filter(([, value]) => value !== undefined).map(([name, value]) => [name, normalised(value)]));
    return { resources, outputs, secretOutputs: [...run.secretOutputs].sort() };
}

function withoutScriptDigest(inputs: Record<string, unknown>): Record<string, unknown> {
    const triggers = inputs.triggers as string[];
    return { ...inputs, triggers: [...triggers.slice(0, 2), "<sha256 of the command's scripts>"] };
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
