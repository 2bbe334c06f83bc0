import * as pulumi from "@pulumi/pulumi";
import { configKey } from "./project";

/**
 * A bad stack setting. A RunError makes Pulumi print just the message, not a stack trace,
 * so the user sees which key is wrong, its value, and what is allowed.
 */
export class ConfigError extends pulumi.RunError {
    constructor(
        readonly key: string,
        value: unknown,
        expected: string,
    ) {
        super(
            `invalid config ${configKey(key)} = ${JSON.stringify(value)}: expected ${expected}. ` +
                `Change it with: pulumi config set ${key.includes("[") ? `--path '${key}'` : key} <value>`,
        );
    }
}
