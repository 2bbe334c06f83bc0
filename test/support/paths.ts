import * as path from "node:path";

/** The project's root folder (the clone CI runs in). */
export const repoRoot = path.resolve(__dirname, "..", "..");

/** The shared UCI Adult data laid beside the clone; tests read it, never copy it into the project. */
export const sharedDataDir = path.resolve(repoRoot, "..", "shared", "data");
