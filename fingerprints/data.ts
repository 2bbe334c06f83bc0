import * as path from "node:path";
import { DataSource } from "../config/validators";
import { sha256OfFile } from "./files";

/**
 * What identifies the pipeline's input data, so the pipeline reruns when it changes and only then.
 * A URL source stands for the UCI archive, whose files the image checks against pinned checksums;
 * a directory source is read here, so an edited file is seen on the next `pulumi up`.
 */
export function dataFingerprint(source: DataSource, fileNames: string[]): string {
    if (source.kind === "url") {
        return source.url;
    }
    const digests = fileNames.map((name) => `${name}:${sha256OfFile(path.join(source.path, name))}`);
    return digests.join(",");
}
