import { createHash } from "node:crypto";
import * as fs from "node:fs";

/** sha256 over the files' contents, in order: it changes when any of them does. */
export function sha256OfFiles(files: string[]): string {
    const hash = createHash("sha256");
    for (const file of files) {
        hash.update(fs.readFileSync(file));
    }
    return hash.digest("hex");
}

export function sha256OfFile(file: string): string {
    return sha256OfFiles([file]);
}
