import { execFileSync, spawnSync, SpawnSyncReturns } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "./paths";

/**
 * The folder holding the `pulumi` binary the engine suites run: PULUMI_TOOLCHAIN_DIR when set (a user's
 * installed CLI: `PULUMI_TOOLCHAIN_DIR="$(dirname "$(command -v pulumi)")"`), otherwise the toolchain
 * built from Go modules by tools/pulumi-toolchain/build.sh (cached: seconds once built), its last line.
 */
export function toolchainDir(): string {
    const given = process.env.PULUMI_TOOLCHAIN_DIR;
    if (given !== undefined && given !== "") {
        return given;
    }
    const printed = execFileSync("bash", [path.join(repoRoot, "tools", "pulumi-toolchain", "build.sh")], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
    });
    return printed.trim().split("\n").pop() ?? "";
}

/** A throw-away copy of the project's Pulumi.yaml with a file backend, Pulumi home and passphrase of its own. */
export interface ScratchProject {
    dir: string;
    /** Runs the CLI in the project folder; nothing is downloaded (automatic plugin acquisition is off). */
    pulumi(args: string[]): SpawnSyncReturns<string>;
    remove(): void;
}

export function scratchProject(toolchain: string): ScratchProject {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "adult-mlops-engine-"));
    fs.copyFileSync(path.join(repoRoot, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const state = path.join(dir, ".pulumi-state");
    fs.mkdirSync(state);
    const env = {
        ...process.env,
        PATH: `${toolchain}${path.delimiter}${process.env.PATH ?? ""}`,
        PULUMI_HOME: path.join(dir, ".pulumi-home"),
        PULUMI_BACKEND_URL: `file://${state}`,
        PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(16).toString("hex"),
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
    };
    return {
        dir,
        pulumi: (args) => spawnSync("pulumi", [...args, "--non-interactive"], { cwd: dir, env, encoding: "utf8" }),
        remove: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}
