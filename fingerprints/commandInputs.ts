import { createHash } from "node:crypto";

/**
 * sha256 (hex) of a command's environment (by variable name: the order it was written in does not
 * count) and its triggers (in order), the inputs on which pulumi-command runs a command again: a
 * changed variable updates it, a changed trigger replaces it.
 */
export function sha256OfCommandInputs(environment: Record<string, string>, triggers: readonly unknown[]): string {
    const byName = Object.keys(environment)
        .sort()
        .map((name) => [name, environment[name]]);
    return createHash("sha256")
        .update(JSON.stringify({ environment: byName, triggers }))
        .digest("hex");
}
