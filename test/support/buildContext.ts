import dockerignore from "@balena/dockerignore";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Regular files and symlinks under `dir`, as `/`-separated paths relative to it, in lexical order. */
function walk(dir: string, prefix = ""): string[] {
    return fs
        .readdirSync(path.join(dir, prefix), { withFileTypes: true })
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .flatMap((entry) => {
            const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
            return entry.isDirectory() ? walk(dir, relative) : [relative];
        });
}

/** The files of a build context that survive its .dockerignore: what `docker build` sends. */
export function contextFiles(contextDir: string): string[] {
    const ignoreFile = path.join(contextDir, ".dockerignore");
    const rules = fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, "utf8") : "";
    const filter = dockerignore().add(rules.split("\n")).createFilter();
    return walk(contextDir).filter(filter);
}

/** Go's fs.FileMode.String() for a file: type letter ("-" regular, "L" symlink) and the nine permission bits. */
function goFileMode(stat: fs.Stats | undefined): string {
    if (stat === undefined) {
        return "----------";
    }
    const bits = "rwxrwxrwx"
        .split("")
        .map((letter, i) => ((stat.mode >> (8 - i)) & 1 ? letter : "-"))
        .join("");
    return `${stat.isSymbolicLink() ? "L" : "-"}${bits}`;
}

function sha256(data: Buffer | string): Buffer {
    return createHash("sha256").update(data).digest();
}

/**
 * The docker provider's `contextDigest` of a build context, the value whose change makes it rebuild
 * the image: a port of hashContext in pulumi/pulumi-docker provider/provider.go (v5, lines 544-640).
 * The Dockerfile is hashed first under the name "Dockerfile" with mode 0, then every file the
 * .dockerignore lets through, each as relative name, Go file mode, sha256 of its content (of its
 * target path for a symlink) and a zero byte; the digest is the sha256 of all of that.
 */
export function contextDigest(contextDir: string, dockerfile = path.join(contextDir, "Dockerfile")): string {
    const entry = (name: string, stat: fs.Stats | undefined, contentHash: Buffer) =>
        Buffer.concat([Buffer.from(name), Buffer.from(goFileMode(stat)), contentHash, Buffer.from([0])]);
    const parts = [entry("Dockerfile", undefined, sha256(fs.readFileSync(dockerfile)))];
    for (const file of contextFiles(contextDir)) {
        const absolute = path.join(contextDir, file);
        const stat = fs.lstatSync(absolute);
        const content = stat.isSymbolicLink() ? sha256(fs.realpathSync(absolute)) : sha256(fs.readFileSync(absolute));
        parts.push(entry(file, stat, content));
    }
    return sha256(Buffer.concat(parts)).toString("hex");
}
