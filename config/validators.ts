import * as fs from "node:fs";
import * as path from "node:path";
import { MODEL_NAMES, ModelName } from "../contracts/modelImage";
import { ConfigError } from "./configError";

/**
 * One parser per kind of setting. Each returns the typed value or throws ConfigError naming the key,
 * the value and what is allowed; nothing downstream checks a setting again.
 */

export type DataSource = { kind: "url"; url: string } | { kind: "directory"; path: string };

/** The files fetch_data.py extracts from the UCI archive; a URL source can only name these. */
export const archiveFiles = { raw: "adult.data", test: "adult.test" } as const;

/** Characters a value may not hold because it travels in a `docker run --mount` list or an environment line. */
const mountBreaking = /[,\n\r\0]/;

/** A number from 0 to 1 (the gate's threshold, the promotion's maxRegression); `example` is the value the error suggests. */
export function parseFraction(key: string, raw: string, example: string): number {
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value) || value < 0 || value > 1) {
        throw new ConfigError(key, raw, `a number from 0 to 1, such as ${example}`);
    }
    // -0 is 0: the gate and the outputs print it as 0.
    return value === 0 ? 0 : value;
}

/** Docker's smallest memory limit (6 MiB). */
const DOCKER_MIN_MEMORY_BYTES = 6 * 1024 * 1024;
const MEMORY_UNITS = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const;

/**
 * A container's memory limit as `docker run --memory` takes it, in the one spelling the shell
 * (scripts/model-container.sh) checks the same way: a whole number and k, m or g, at least 6m.
 */
export function parseMemoryLimit(key: string, raw: string): string {
    const match = /^([1-9][0-9]{0,8})([kmg])$/.exec(raw);
    if (
        match === null ||
        Number(match[1]) * MEMORY_UNITS[match[2] as keyof typeof MEMORY_UNITS] < DOCKER_MIN_MEMORY_BYTES
    ) {
        throw new ConfigError(
            key,
            raw,
            "a memory size such as 512m or 2g: a whole number followed by k, m or g, at least 6m (Docker's minimum)",
        );
    }
    return raw;
}

/** The largest pids limit: the kernel's highest pid_max. */
export const MAX_PIDS_LIMIT = 4194304;
/** The smallest: the gated run itself holds 6 processes and threads on 2 CPUs (ml/README.md, Limits). */
export const MIN_PIDS_LIMIT = 8;

/** A container's pids limit (`docker run --pids-limit`): a whole number, never 0 or -1 (Docker's "no limit"). */
export function parsePidsLimit(key: string, raw: string): number {
    return parseWholeNumber(key, raw, { min: MIN_PIDS_LIMIT, max: MAX_PIDS_LIMIT, unit: "processes", example: 256 });
}

/**
 * A count or a size: digits only (no sign, exponent or leading zero), from `min` to `max` of `unit`.
 * `alternative` is a value outside the range that the caller handles itself; the error offers it too.
 */
export function parseWholeNumber(
    key: string,
    raw: string,
    range: { min: number; max: number; unit: string; example: number; alternative?: string },
): number {
    const value = Number(raw);
    if (!/^(0|[1-9][0-9]*)$/.test(raw) || value < range.min || value > range.max) {
        const alternative = range.alternative === undefined ? "" : `, or ${range.alternative}`;
        throw new ConfigError(
            key,
            raw,
            `a whole number of ${range.unit} from ${range.min} to ${range.max}, such as ${range.example}${alternative}`,
        );
    }
    return value;
}

export function parseModel(raw: string): ModelName {
    const model = MODEL_NAMES.find((name) => name === raw);
    if (model === undefined) {
        throw new ConfigError("model", raw, `one of ${MODEL_NAMES.join(", ")}`);
    }
    return model;
}

export function parsePort(key: string, raw: string): number {
    const port = Number(raw);
    if (!/^\d+$/.test(raw) || port < 1 || port > 65535) {
        throw new ConfigError(key, raw, "a TCP port number from 1 to 65535");
    }
    return port;
}

export function parseBoolean(key: string, raw: string): boolean {
    if (raw === "true" || raw === "false") {
        return raw === "true";
    }
    throw new ConfigError(key, raw, "true or false");
}

export function parseBindAddress(raw: string): string {
    const octets = raw.split(".");
    const isIpv4 = octets.length === 4 && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255);
    if (!isIpv4) {
        throw new ConfigError(
            "jenkinsBindAddress",
            raw,
            "an IPv4 address such as 127.0.0.1 (0.0.0.0 exposes Jenkins to every network)",
        );
    }
    return raw;
}

/**
 * An image reference as Docker parses it (distribution/reference): optional registry host and port,
 * lower-case path components, optional tag and digest.
 */
export function parseImageReference(key: string, raw: string): string {
    const component = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    const registry = "(?:[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*(?::\\d+)?/)?";
    const reference = new RegExp(
        `^${registry}${component}(?:/${component})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
    );
    if (!reference.test(raw)) {
        throw new ConfigError(key, raw, "a Docker image reference such as debian:trixie-slim");
    }
    return raw;
}

/** GitHub's rules: an owner of letters, digits and single inner hyphens (at most 39); a name of letters, digits, . _ - */
export function parseRepository(raw: string): { owner: string; name: string } {
    const match = /^([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})\/([A-Za-z0-9._-]{1,100})$/.exec(raw);
    if (match === null || match[2] === "." || match[2] === "..") {
        throw new ConfigError(
            "githubRepository",
            raw,
            "a GitHub repository as owner/name, such as octocat/adult-mlops",
        );
    }
    return { owner: match[1], name: match[2] };
}

export function parseBranch(raw: string): string {
    if (
        !/^[A-Za-z0-9._/-]+$/.test(raw) ||
        raw.startsWith("/") ||
        raw.endsWith("/") ||
        raw.includes("..") ||
        raw.includes("//") ||
        raw.endsWith(".lock")
    ) {
        throw new ConfigError("githubBranch", raw, "a branch name such as main");
    }
    return raw;
}

/**
 * GitHub refuses webhook URLs it cannot reach (422 for localhost), so the public URL must be an
 * http(s) URL on a public host: a tunnel or relay in front of the local Jenkins.
 */
export function parsePublicUrl(raw: string): string {
    const expected =
        "the public http(s) URL GitHub reaches Jenkins at (a tunnel or relay, e.g. https://jenkins.example.com/), not a local or private address, without user or password";
    if (!URL.canParse(raw)) {
        throw new ConfigError("jenkinsPublicUrl", raw, expected);
    }
    const url = new URL(raw);
    const refused =
        !["http:", "https:"].includes(url.protocol) ||
        isLocalOrPrivateHost(url.hostname) ||
        url.search !== "" ||
        url.hash !== "" ||
        url.username !== "" ||
        url.password !== "";
    if (refused) {
        throw new ConfigError("jenkinsPublicUrl", raw, expected);
    }
    return url.href.endsWith("/") ? url.href : `${url.href}/`;
}

function isLocalOrPrivateHost(hostname: string): boolean {
    const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
    if (
        host === "localhost" ||
        host.endsWith(".localhost") ||
        host === "::1" ||
        host === "0.0.0.0" ||
        host.endsWith(".local")
    ) {
        return true;
    }
    const octets = host.split(".").map(Number);
    if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o))) {
        return false;
    }
    const [a, b] = octets;
    return (
        a === 127 ||
        a === 10 ||
        (a === 172 && b >= 16 && b <= 31) ||
        (a === 192 && b === 168) ||
        (a === 169 && b === 254)
    );
}

/**
 * A URL as an error message or a log may show it: no user name or password (the host part up to its
 * last `@`, as `***@`), no query string or fragment (a pre-signed URL's signature, as `?…` or `#…`).
 * Works on any string, a URL that does not parse included. The image's fetch script
 * (ml/adult_pipeline/data/fetch.py redacted_url) and the shell scripts (scripts/model-container.sh
 * redact_url) print the data URL the same way.
 */
export function redactedUrl(url: string): string {
    const query = /[?#]/.exec(url);
    const [head, tail] = query === null ? [url, ""] : [url.slice(0, query.index), `${query[0]}…`];
    return head.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/]*@/i, "$1***@") + tail;
}

/** `raw` is an http(s) URL of the zipped UCI archive, or a directory (relative to `projectDir`) holding the data files. */
export function parseDataSource(raw: string, projectDir: string): DataSource {
    const expected = "an http(s) URL of the UCI Adult zip, or an existing local directory";
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
        // A URL's user:password and its query string (a signed URL's signature) never reach the message.
        const shown = redactedUrl(raw);
        if (!/^https?:\/\//i.test(raw) || !URL.canParse(raw) || mountBreaking.test(raw)) {
            throw new ConfigError("dataSource", shown, expected);
        }
        const url = new URL(raw);
        if (url.username !== "" || url.password !== "") {
            throw new ConfigError(
                "dataSource",
                shown,
                "an http(s) URL without a user name or password (the download cannot log in with them, and they would reach Jenkins and the logs): " +
                    "a pre-signed URL (its access is in its query string; set it with pulumi config set --secret) or a local directory holding the files",
            );
        }
        return { kind: "url", url: url.href };
    }
    const directory = path.resolve(projectDir, raw);
    if (mountBreaking.test(directory)) {
        throw new ConfigError(
            "dataSource",
            raw,
            "a directory whose path has no comma or line break (it is passed to docker run --mount)",
        );
    }
    if (!fs.statSync(directory, { throwIfNoEntry: false })?.isDirectory()) {
        throw new ConfigError("dataSource", raw, `${expected} (${directory} is not a directory)`);
    }
    return { kind: "directory", path: directory };
}

/** A data file name must exist in a directory source, and be one the archive holds for a URL source. */
export function parseDataFile(key: string, raw: string, source: DataSource, archiveName: string): string {
    if (raw === "" || raw.includes("/") || raw === "." || raw === ".." || mountBreaking.test(raw)) {
        throw new ConfigError(key, raw, "a file name inside the data source, without a path or line break");
    }
    if (source.kind === "url" && raw !== archiveName) {
        throw new ConfigError(key, raw, `${archiveName} (the file the UCI archive holds) when dataSource is a URL`);
    }
    if (source.kind === "directory" && !fs.statSync(path.join(source.path, raw), { throwIfNoEntry: false })?.isFile()) {
        throw new ConfigError(key, raw, `a file that exists in ${source.path}`);
    }
    return raw;
}
