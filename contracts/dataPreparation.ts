import { DataSource } from "../config/validators";

/**
 * scripts/prepare-data.sh's environment: a URL source is downloaded into DATA_VOLUME (verified,
 * cached), a directory source is mounted as it is. The source stays typed up to here; the script
 * is told which kind it has, never left to guess from the string.
 */
export function dataPreparationEnvironment(
    source: DataSource,
    dataVolume: string,
): { DATA_URL: string; DATA_DIR: string; DATA_VOLUME: string } {
    return source.kind === "url"
        ? { DATA_URL: source.url, DATA_DIR: "", DATA_VOLUME: dataVolume }
        : { DATA_URL: "", DATA_DIR: source.path, DATA_VOLUME: "" };
}

/**
 * The data URL when part of it is a secret: a query string (a pre-signed URL's signature) or a
 * fragment. It then reaches Jenkins as a credential and the stack's command as a secret input, and
 * every log shows it redacted (config/validators.ts redactedUrl); undefined for a URL without one
 * (the default) and for a directory.
 */
export function signedDataUrl(source: DataSource): string | undefined {
    if (source.kind !== "url") {
        return undefined;
    }
    const url = new URL(source.url);
    return url.search === "" && url.hash === "" ? undefined : source.url;
}
