import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { repoRoot } from "../../support/paths";

// The SDK's own wait for outstanding resource registrations, which `pulumi up` does before it ends.
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

export interface RecordedResource {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

/** What a resource's mock returns on top of its inputs; may perform the resource's real effect. */
export type ResourceEffect = (resource: RecordedResource) => Promise<Record<string, unknown>> | Record<string, unknown>;

export interface StackRun {
    resources: RecordedResource[];
    /** The program's exports, resolved; an output whose apply threw is an Error here. */
    outputs: Record<string, unknown>;
    secretOutputs: Set<string>;
}

/**
 * Runs index.ts under Pulumi's mocks with the given stack configuration (keys without the
 * project prefix; secret ones listed in `secretKeys`), records every resource it registers and
 * resolves its exports. Each call loads the program afresh.
 */
export async function runStack(
    config: Record<string, string>,
    effect: ResourceEffect = () => ({}),
    secretKeys: string[] = [],
): Promise<StackRun> {
    const resources: RecordedResource[] = [];
    const qualified = (key: string): string => (key.includes(":") ? key : `adult-mlops:${key}`);
    pulumi.runtime.setAllConfig(
        Object.fromEntries(Object.entries(config).map(([key, value]) => [qualified(key), value])),
        secretKeys.map(qualified),
    );
    await pulumi.runtime.setMocks(
        {
            newResource: async (args) => {
                const resource = { type: args.type, name: args.name, inputs: args.inputs };
                resources.push(resource);
                return { id: `${args.name}-id`, state: { ...args.inputs, ...(await effect(resource)) } };
            },
            call: (args) => args.inputs,
        },
        "adult-mlops",
        "test",
        false,
    );

    const program = loadProgramAfresh();
    // Resources no export depends on (Jenkins' containers) register on their own time: wait as the engine would.
    await waitForRPCs();
    const outputs: Record<string, unknown> = {};
    const secretOutputs = new Set<string>();
    for (const [name, value] of Object.entries(program)) {
        if (pulumi.Output.isInstance(value)) {
            if (await pulumi.isSecret(value)) {
                secretOutputs.add(name);
            }
            outputs[name] = await settled(value);
        } else {
            outputs[name] = await settled(pulumi.output(value));
        }
    }
    return { resources, outputs, secretOutputs };
}

function loadProgramAfresh(): Record<string, unknown> {
    for (const cached of Object.keys(require.cache)) {
        if (cached.startsWith(repoRoot) && !cached.includes(`${path.sep}node_modules${path.sep}`)) {
            delete require.cache[cached];
        }
    }
    return require(path.join(repoRoot, "index.ts"));
}

function settled<T>(output: pulumi.Output<T>): Promise<T | Error> {
    // promise() is the SDK's own resolution of an output (what the engine awaits); unlike apply it
    // lets a failure in the program's callbacks be returned instead of escaping as an unhandled rejection.
    const resolution = (output as unknown as { promise(): Promise<T> }).promise();
    return resolution.catch((error: Error) => error);
}

export function resourcesOfType(run: StackRun, type: string): RecordedResource[] {
    return run.resources.filter((resource) => resource.type === type);
}

export function resourceNamed(run: StackRun, type: string, name: string): RecordedResource {
    const found = run.resources.find((resource) => resource.type === type && resource.name === name);
    if (found === undefined) {
        throw new Error(`no ${type} named ${name}; registered: ${run.resources.map((r) => `${r.type} ${r.name}`).join(", ")}`);
    }
    return found;
}

/** The Pulumi SDK's marker of a secret value in serialised resource inputs. */
const secretSignature = "4dabf18193072939515e22adb298388d";

/** True when the mocks received this input as a secret (the engine then encrypts it in state). */
export function isSecretInput(value: unknown): boolean {
    return typeof value === "object" && value !== null && secretSignature in value;
}

/** The input with every secret wrapper taken off, for checking where values went. */
export function revealed(value: any): any {
    if (isSecretInput(value)) {
        return revealed(value.value);
    }
    if (Array.isArray(value)) {
        return value.map(revealed);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, revealed(inner)]));
    }
    return value;
}
