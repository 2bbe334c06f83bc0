import * as path from "node:path";
import { gitHubConfig, gitHubSecretKeys, localConfig } from "./stackModes";

const fixtures = path.join(__dirname, "..", "fixtures");

/**
 * The one-engine stacks whose graphs are kept as snapshots: local mode and GitHub mode (both with a
 * directory data source), and the defaults alone (Pulumi.yaml's: the UCI archive's URL, downloaded).
 */
export const singleEngineSnapshots = [
    {
        file: path.join(fixtures, "single-engine-local.json"),
        config: localConfig as Record<string, string>,
        secretKeys: [] as string[],
    },
    {
        file: path.join(fixtures, "single-engine-github.json"),
        config: gitHubConfig as Record<string, string>,
        secretKeys: gitHubSecretKeys,
    },
    {
        file: path.join(fixtures, "single-engine-default.json"),
        config: {} as Record<string, string>,
        secretKeys: [] as string[],
    },
];
