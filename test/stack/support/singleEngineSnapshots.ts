import * as path from "node:path";
import { gitHubConfig, gitHubSecretKeys, localConfig } from "./stackModes";

const fixtures = path.join(__dirname, "..", "fixtures");

/** The one-engine stacks whose graphs are kept as snapshots: local mode and GitHub mode. */
export const singleEngineSnapshots = [
    { file: path.join(fixtures, "single-engine-local.json"), config: localConfig as Record<string, string>, secretKeys: [] as string[] },
    { file: path.join(fixtures, "single-engine-github.json"), config: gitHubConfig as Record<string, string>, secretKeys: gitHubSecretKeys },
];
