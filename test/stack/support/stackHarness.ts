import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Alias } from "@pulumi/pulumi/proto/alias_pb";
import { repoRoot } from "../../support/paths";

// The SDK's own wait for outstanding resource registrations, which `pulumi up` does before it ends,
// and the monitor the mocks answer registrations with.
// They are the SDK's internal modules, without typings of their own: required, and typed here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs, getMonitor } = require("@pulumi/pulumi/runtime/settings") as {
    waitForRPCs: () => Promise<void>;
    getMonitor: () => unknown;
};
// The protobuf Struct the SDK's registrations carry (a dependency of @pulumi/pulumi).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Struct } = require(
    require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [require.resolve("@pulumi/pulumi")] }),
);

/** Waits until every registration the program started has been answered (a constructor that threw may leave some). */
export function registrationsSettled(): Promise<void> {
    return waitForRPCs();
}

export interface RecordedResource {
    type: string;
    name: string;
    /** Inputs as the mocks receive them: the SDK hoists a nested secret marker to the top-level input here. */
    inputs: Record<string, any>;
    /** The explicit provider's reference (`urn::id`), if any. */
    provider?: string;
    /** What the engine receives for this resource, filled in once the registration completes. */
    wire?: WireRegistration;
}

/**
 * A registration as it goes to the engine, before the mocks' deserialisation hoists nested secrets:
 * `inputs` keeps every secret marker where the program put it, which is what decides what the engine
 * encrypts in state (only top-level inputs: see test/stack/providerSemantics.test.ts).
 */
export interface WireRegistration {
    urn: string;
    parent: string;
    inputs: Record<string, unknown>;
    /** URNs of the resources this one depends on (dependsOn and the resources its inputs came from). */
    dependencies: string[];
    /** The retainOnDelete option: `pulumi destroy` leaves the resource where it is. */
    retainOnDelete: boolean;
    /** The deleteBeforeReplace option: a replacement deletes the old resource before it creates the new one. */
    deleteBeforeReplace: boolean;
    /** The explicit provider reference (`urn::id`); empty for the default provider of the resource's package. */
    provider: string;
    /** What the resource was before (its `aliases` option): the engine moves the old resource to the new URN rather than replacing it. */
    aliases: WireAlias[];
}

/** An alias as a URN, or as the name, type and parent's URN (and a stack or project other than the resource's own). */
export type WireAlias =
    { urn: string } | { name: string; type: string; parent: string; stack?: string; project?: string };

/** What a resource's mock returns on top of its inputs; may perform the resource's real effect. */
export type ResourceEffect = (resource: RecordedResource) => Promise<Record<string, unknown>> | Record<string, unknown>;

export interface StackRun {
    resources: RecordedResource[];
    /** The program's exports, resolved; an output whose apply threw is an Error here. */
    outputs: Record<string, unknown>;
    secretOutputs: Set<string>;
    /** Exports whose value the run left unknown, as a preview shows "known after up". */
    unknownOutputs: Set<string>;
}

export interface StackRunOptions {
    /** Secret stack configuration keys. */
    secretKeys?: string[];
    /** Run as `pulumi preview` does: providers are asked what they would do, nothing is done. */
    preview?: boolean;
    /** The stack's name, which prefixes every name on the Docker host. */
    stack?: string;
}

/**
 * Runs index.ts under Pulumi's mocks with the given stack configuration (keys without the
 * project prefix; secret ones listed in `secretKeys`), records every resource it registers and
 * resolves its exports. Each call loads the program afresh.
 */
export async function runStack(
    config: Record<string, string>,
    effect: ResourceEffect = () => ({}),
    { secretKeys = [], preview = false, stack = "test" }: StackRunOptions = {},
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
                const resource = {
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs,
                    provider: args.provider || undefined,
                };
                resources.push(resource);
                return { id: `${args.name}-id`, state: { ...args.inputs, ...(await effect(resource)) } };
            },
            call: (args) => args.inputs,
        },
        "adult-mlops",
        stack,
        preview,
    );

    const wire = recordWireRegistrations();
    const program = loadProgramAfresh();
    // Resources no export depends on (Jenkins' containers) register on their own time: wait as the engine would.
    await waitForRPCs();
    for (const resource of resources) {
        resource.wire = wire.get(`${resource.type}::${resource.name}`);
    }
    const outputs: Record<string, unknown> = {};
    const secretOutputs = new Set<string>();
    const unknownOutputs = new Set<string>();
    for (const [name, value] of Object.entries(program)) {
        if (pulumi.Output.isInstance(value)) {
            if (await pulumi.isSecret(value)) {
                secretOutputs.add(name);
            }
            if (!(await (value as unknown as { isKnown: Promise<boolean> }).isKnown)) {
                unknownOutputs.add(name);
            }
            outputs[name] = await settled(value);
        } else {
            outputs[name] = await settled(pulumi.output(value));
        }
    }
    return { resources, outputs, secretOutputs, unknownOutputs };
}

/**
 * Wraps the mock monitor's registration so that each one is recorded as sent, and so that the outputs
 * a resource lists in `additionalSecretOutputs` come back secret, as the engine makes them (the mock
 * monitor alone returns them plain).
 */
function recordWireRegistrations(): Map<string, WireRegistration> {
    const recorded = new Map<string, WireRegistration>();
    const monitor = getMonitor() as {
        registerResource(request: any, callback: (error: unknown, response: any) => void): void;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (request, callback) => {
        register(request, (error, response) => {
            if (response) {
                recorded.set(`${request.getType()}::${request.getName()}`, {
                    urn: response.getUrn(),
                    parent: request.getParent(),
                    inputs: request.getObject()?.toJavaScript() ?? {},
                    dependencies: request.getDependenciesList(),
                    retainOnDelete: request.hasRetainondelete() && request.getRetainondelete(),
                    deleteBeforeReplace: request.getDeletebeforereplace(),
                    provider: request.getProvider(),
                    aliases: (request.getAliasesList() as Alias[]).map((alias) => aliasOf(alias, request)),
                });
                const secretOutputs: string[] = [
                    ...request.getAdditionalsecretoutputsList(),
                    ...outputsMadeSecretByInputs(request.getType(), request.getObject()?.toJavaScript()),
                ];
                if (secretOutputs.length > 0) {
                    response.setObject(
                        Struct.fromJavaScript(withSecretFields(response.getObject().toJavaScript(), secretOutputs)),
                    );
                }
            }
            callback(error, response);
        });
    };
    return recorded;
}

/**
 * What an alias names (the `Alias` option, node_modules/@pulumi/pulumi/resource.d.ts): a name, type, stack
 * or project left out is the resource's own, and the parent is the one it names, none with noParent, else
 * the resource's own. Kept as parts rather than a URN: the mocks' URNs carry only the parent's last type
 * (node_modules/@pulumi/pulumi/runtime/mocks.js newUrn), the engine's the whole chain.
 */
function aliasOf(alias: Alias, request: { getName(): string; getType(): string; getParent(): string }): WireAlias {
    const spec = alias.getSpec();
    if (spec === undefined) {
        return { urn: alias.getUrn() };
    }
    return {
        name: spec.getName() || request.getName(),
        type: spec.getType() || request.getType(),
        parent: spec.getNoparent() ? "" : spec.getParenturn() || request.getParent(),
        ...(spec.getStack() && { stack: spec.getStack() }),
        ...(spec.getProject() && { project: spec.getProject() }),
    };
}

/**
 * pulumi/pulumi-command v1.2.1 provider/pkg/provider/local/commandController.go lines 59-64: the command
 * keeps pulumi-go-provider's default wiring, "every output depend[s] on every input", so a secret anywhere
 * among a command's inputs makes its stdout and stderr secret.
 */
function outputsMadeSecretByInputs(type: string, inputs: unknown): string[] {
    return type === "command:local:Command" && containsSecretInput(inputs) ? ["stdout", "stderr"] : [];
}

function withSecretFields(state: Record<string, unknown>, names: string[]): Record<string, unknown> {
    return Object.fromEntries(
        Object.entries(state).map(([name, value]) => [
            name,
            names.includes(name) && !isSecretInput(value) ? { [secretSignature]: secretMarker, value } : value,
        ]),
    );
}

function loadProgramAfresh(): Record<string, unknown> {
    for (const cached of Object.keys(require.cache)) {
        if (cached.startsWith(repoRoot) && !cached.includes(`${path.sep}node_modules${path.sep}`)) {
            delete require.cache[cached];
        }
    }
    // Required, not imported: the program runs anew, under the mocks just set, on every call.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
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
        throw new Error(
            `no ${type} named ${name}; registered: ${run.resources.map((r) => `${r.type} ${r.name}`).join(", ")}`,
        );
    }
    return found;
}

/** The Pulumi SDK's marker of a secret value in serialised resource inputs: `{ [secretSignature]: secretMarker, value }`. */
const secretSignature = "4dabf18193072939515e22adb298388d";
const secretMarker = "1b47061264138c4ac30d75fd1eb44270";

/** The Pulumi SDK's marker of a value not known until the update runs (a preview's "known after up") in serialised inputs. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownValue } = require("@pulumi/pulumi/runtime/rpc") as { unknownValue: string };

/** True when the value or anything inside it is unknown: the engine then shows its resource as updated in a preview. */
export function containsUnknownInput(value: unknown): boolean {
    if (value === unknownValue) {
        return true;
    }
    return typeof value === "object" && value !== null && Object.values(value).some(containsUnknownInput);
}

/** True when the mocks received this input as a secret (the engine then encrypts it in state). */
export function isSecretInput(value: unknown): boolean {
    return typeof value === "object" && value !== null && secretSignature in value;
}

/** True when the value or anything inside it is a secret input. */
export function containsSecretInput(value: unknown): boolean {
    if (isSecretInput(value)) {
        return true;
    }
    return typeof value === "object" && value !== null && Object.values(value).some(containsSecretInput);
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
