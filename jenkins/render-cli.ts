/**
 * Writes what renderJenkins produces as plain files, for review or for a hand-run Jenkins:
 *   npm run render:jenkins -- OUT_DIR [Pulumi.<stack>.yaml]
 * gives OUT_DIR/casc/jenkins.yaml and OUT_DIR/jobs/<name>/config.xml for the stack whose settings file
 * is given (the dev stack's defaults without one). The settings go through the stack's own checks, so
 * a bad one gets the same `invalid config` message as `pulumi up`, and exit status 2.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { ConfigError } from "../config/configError";
import { CONFIG_KEYS, ConfigValues, withDefaults } from "../config/declaredConfig";
import { configKey } from "../config/project";
import { parseStackSettings } from "../config/stackSettings";
import { renderJenkins } from "./render";
import { jenkinsSettingsOf, RenderedJenkins } from "./settings";

const projectDir = path.resolve(__dirname, "..");

class UsageError extends Error {}

/** The project's settings in a Pulumi stack settings file (`config: { "adult-mlops:KEY": value }`); secure values are left out. */
function readStackFile(file: string): { stack: string; values: Partial<ConfigValues> } {
    let parsed: unknown;
    try {
        parsed = YAML.parse(fs.readFileSync(file, "utf8")) as unknown;
    } catch (error) {
        throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
    const config = (parsed as { config?: unknown } | null)?.config ?? {};
    if (typeof config !== "object" || config === null || Array.isArray(config)) {
        throw new UsageError(`${file}: expected a Pulumi stack settings file with a config: map`);
    }
    const entries = CONFIG_KEYS.flatMap((key): [string, string][] => {
        const value = (config as Record<string, unknown>)[configKey(key)];
        if (Array.isArray(value)) {
            // A list setting (buildHosts) reaches a program as its JSON, as Pulumi hands it over.
            return [[key, JSON.stringify(value)]];
        }
        // A scalar (YAML's string, number or boolean) as Pulumi hands it over: its text.
        return value === undefined || (typeof value === "object" && value !== null)
            ? []
            : [[key, typeof value === "string" ? value : JSON.stringify(value)]];
    });
    const stack = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(file))?.[1] ?? "dev";
    return { stack, values: Object.fromEntries(entries) };
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

/** Where the CLI's lines go: the console, or a test's buffers. */
export interface RenderOutput {
    log(line: string): void;
    error(line: string): void;
}

/** Renders into OUT_DIR; the exit status: 0, or 2 with one line on `output.error` for a bad setting or usage. */
export function renderCli(args: string[], output: RenderOutput): number {
    const [outDir, stackFile, ...extra] = args;
    try {
        if (outDir === undefined || extra.length > 0) {
            throw new UsageError("usage: npm run render:jenkins -- OUT_DIR [Pulumi.<stack>.yaml]");
        }
        const { stack, values } = stackFile === undefined ? { stack: "dev", values: {} } : readStackFile(stackFile);
        const settings = parseStackSettings(withDefaults(projectDir, values), { projectDir, stack });
        writeRendered(outDir, renderJenkins(jenkinsSettingsOf(settings)));
        output.log(`render:jenkins: wrote ${path.join(outDir, "casc")} and ${path.join(outDir, "jobs")}`);
        return 0;
    } catch (error) {
        if (error instanceof ConfigError || error instanceof UsageError) {
            output.error(`render:jenkins: ${error.message}`);
            return 2;
        }
        throw error;
    }
}

if (require.main === module) {
    process.exitCode = renderCli(process.argv.slice(2), { log: console.log, error: console.error });
}
