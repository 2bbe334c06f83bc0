import * as path from "node:path";
import { DataSource, redactedUrl } from "../config/validators";
import { sha256OfFile } from "./files";

/**
 * What identifies the pipeline's input data, so the pipeline reruns when it changes and only then.
 * A URL source stands for the UCI archive, whose files the image checks against pinned checksums
 * (so its query string, a signature that changes, does not count);
 * a directory source is read here, so an edited file is seen on the next `pulumi up`.
 */
export function dataFingerprint(source: DataSource, fileNames: string[]): string {
    if (source.kind === "url") {
        // Without a signed URL's query string: it is a secret, and a new signature brings the same pinned files.
        return redactedUrl(source.url);
    }
    const digests = fileNames.map((name) => `${name}:${sha256OfFile(path.join(source.path, name))}`);
    return digests.join(",");
}
