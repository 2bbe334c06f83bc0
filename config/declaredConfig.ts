import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";

/** Every setting the program reads; Pulumi.yaml declares each with its type, default and description. */
export const CONFIG_KEYS = [
    "threshold",
    "model",
    "dataSource",
    "rawDataFile",
    "testDataFile",
    "maxRegression",
    "keepModelRegistry",
    "failOnGate",
    "modelMemoryLimit",
    "modelPidsLimit",
    "servePort",
    "serveMaxRows",
    "serveMaxBodyBytes",
    "requestLogSampleRate",
    "requestLogMaxBytes",
    "baseImage",
    "jenkinsBaseImage",
    "jenkinsPort",
    "jenkinsBindAddress",
    "keepJenkinsHome",
    "githubRepository",
    "githubBranch",
    "jenkinsPublicUrl",
    "buildHosts",
    "pipelineHost",
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

/**
 * Settings the program reads that Pulumi.yaml does not declare: secrets without a default, set with
 * `pulumi config set --secret` (config/stackSettings.ts readJenkinsAdminPassword, readDockerTls).
 */
export const SECRET_CONFIG_KEYS = ["jenkinsAdminPassword", "dockerTls"] as const;

/** Every key a stack may set in the project's namespace: any other is a misspelling the program would ignore. */
export const KNOWN_CONFIG_KEYS: readonly string[] = [...CONFIG_KEYS, ...SECRET_CONFIG_KEYS];

/** Settings as Pulumi hands them to a program: strings, whatever their declared type (a list as its JSON). */
export type ConfigValues = Record<ConfigKey, string>;

export interface ConfigDeclaration {
    type: "string" | "integer" | "boolean" | "array";
    default: string;
    description: string;
}

/**
 * The declarations of Pulumi.yaml, the one place each default is written. `pulumi up` applies the
 * defaults itself; the program reads them too, for the render CLI and for runs without the CLI.
 */
export function readDeclarations(projectDir: string): Record<ConfigKey, ConfigDeclaration> {
    type Declared = Record<string, { type: ConfigDeclaration["type"]; default: unknown; description: string }>;
    const project = YAML.parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { config?: Declared };
    const declared: Declared = project.config ?? {};
    return Object.fromEntries(
        CONFIG_KEYS.map((key) => {
            const declaration = declared[key];
            if (declaration === undefined) {
                throw new Error(`Pulumi.yaml declares no config.${key}, which the program reads`);
            }
            const defaultValue =
                declaration.type === "array" ? JSON.stringify(declaration.default) : String(declaration.default);
            return [key, { type: declaration.type, default: defaultValue, description: declaration.description }];
        }),
    ) as Record<ConfigKey, ConfigDeclaration>;
}

/** Each key's value, or its declared default when unset. */
export function withDefaults(projectDir: string, values: Partial<ConfigValues>): ConfigValues {
    const declarations = readDeclarations(projectDir);
    return Object.fromEntries(
        CONFIG_KEYS.map((key) => [key, values[key] ?? declarations[key].default]),
    ) as ConfigValues;
}
