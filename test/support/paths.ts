import { createHash } from "node:crypto";
import * as path from "node:path";

/** The project's root folder (the clone CI runs in). */
export const repoRoot = path.resolve(__dirname, "..", "..");

/** The shared UCI Adult data laid beside the clone; tests read it, never copy it into the project. */
export const sharedDataDir = path.resolve(repoRoot, "..", "shared", "data");

/**
 * Short and stable for this clone: names what the Docker tests make on the engine (image tags, the
 * executing stack's name), so that two clones testing on one engine do not use each other's images.
 */
export const checkoutId = createHash("sha256").update(repoRoot).digest("hex").slice(0, 8);
