import * as pulumi from "@pulumi/pulumi";

/**
 * A bad stack setting. A RunError makes Pulumi print just the message, not a stack trace,
 * so the user sees which key is wrong, its value, and what is allowed.
 */
export class ConfigError extends pulumi.RunError {
    constructor(key: string, value: unknown, expected: string) {
        super(
            `invalid config ${configKey(key)} = ${JSON.stringify(value)}: expected ${expected}. ` +
                `Change it with: pulumi config set ${key} <value>`,
        );
    }
}

export const projectName = "adult-mlops";

export function configKey(key: string): string {
    return `${projectName}:${key}`;
}
