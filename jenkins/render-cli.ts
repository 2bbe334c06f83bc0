/**
 * Writes what renderJenkins produces as plain files, for review or for a hand-run Jenkins:
 *   npm run render:jenkins -- OUT_DIR [SETTINGS.json]
 * gives OUT_DIR/casc/jenkins.yaml and OUT_DIR/jobs/<name>/config.xml. SETTINGS.json may set any
 * part of JenkinsSettings; the rest are local-mode defaults. Bad settings exit 2.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { localDefaults } from "./defaults";
import { renderJenkins } from "./render";
import { JenkinsSettings, RenderedJenkins } from "./settings";
import { JenkinsSettingsError } from "./validate";

class UsageError extends Error {}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Defaults overlaid with the file's settings; values of the wrong shape are kept for validation to report. */
function loadSettings(file: string | undefined): unknown {
    if (file === undefined) {
        return localDefaults;
    }
    let fromFile: unknown;
    try {
        fromFile = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (error) {
        throw new UsageError(`cannot read settings from ${file}: ${(error as Error).message}`);
    }
    if (!isPlainObject(fromFile)) {
        throw new UsageError(`${file} must hold a JSON object`);
    }
    const overlay = (defaults: object, value: unknown): unknown => (isPlainObject(value) ? { ...defaults, ...value } : (value ?? defaults));
    return {
        ...localDefaults,
        ...fromFile,
        pipeline: overlay(localDefaults.pipeline, fromFile.pipeline),
        agent: overlay(localDefaults.agent, fromFile.agent),
    };
}

/** Renders into a staging folder inside OUT_DIR, then moves casc/ and jobs/ into place: nothing half-written remains. */
function writeRendered(outDir: string, rendered: RenderedJenkins): void {
    fs.mkdirSync(outDir, { recursive: true });
    const staging = fs.mkdtempSync(path.join(outDir, ".render-"));
    try {
        fs.mkdirSync(path.join(staging, "casc"));
        fs.writeFileSync(path.join(staging, "casc", "jenkins.yaml"), rendered.cascYaml);
        for (const [name, configXml] of Object.entries(rendered.jobs)) {
            fs.mkdirSync(path.join(staging, "jobs", name), { recursive: true });
            fs.writeFileSync(path.join(staging, "jobs", name, "config.xml"), configXml);
        }
        for (const part of ["casc", "jobs"]) {
            fs.rmSync(path.join(outDir, part), { recursive: true, force: true });
            fs.renameSync(path.join(staging, part), path.join(outDir, part));
        }
    } finally {
        fs.rmSync(staging, { recursive: true, force: true });
    }
}

function main(args: string[]): void {
    const [outDir, settingsFile, ...extra] = args;
    try {
        if (outDir === undefined || extra.length > 0) {
            throw new UsageError("usage: npm run render:jenkins -- OUT_DIR [SETTINGS.json]");
        }
        writeRendered(outDir, renderJenkins(loadSettings(settingsFile) as JenkinsSettings));
        console.log(`render:jenkins: wrote ${path.join(outDir, "casc")} and ${path.join(outDir, "jobs")}`);
    } catch (error) {
        if (error instanceof JenkinsSettingsError || error instanceof UsageError) {
            console.error(`render:jenkins: ${error.message}`);
            process.exit(2);
        }
        throw error;
    }
}

main(process.argv.slice(2));
