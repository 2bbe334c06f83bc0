/**
 * plugins.txt, plugins.lock.json and the Dockerfile's base image agree, and the pinned set is
 * installable: every plugin's core requirement is met by the pinned LTS and every mandatory
 * dependency is pinned at or above what its dependents need. The lock is written by
 * jenkins/tools/lock-plugins.ts from the plugin BOM and each plugin's pom.xml.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { compareVersions, versionAtLeast } from "../../jenkins/tools/pluginVersion";
import { repoRoot } from "../support/paths";
import { DIRECT_PLUGINS } from "../../jenkins/tools/directPlugins";

type LockedPlugin = {
    version: string;
    requiredCore: string | null;
    dependencies: Record<string, { minimum: string; optional?: true }>;
    source: { repository: string; tag: string | null; commit: string | null; exact: boolean; readVersion?: string };
    requiredBy: string[];
    direct: boolean;
};
type Lock = {
    core: { version: string; image: string };
    bom: { repository: string; tag: string; commit: string; folder: string; testedWithCore: string | null };
    plugins: Record<string, LockedPlugin>;
};

const jenkinsDir = path.join(repoRoot, "jenkins");
const lock: Lock = JSON.parse(fs.readFileSync(path.join(jenkinsDir, "plugins.lock.json"), "utf8"));
const pluginLines = fs.readFileSync(path.join(jenkinsDir, "plugins.txt"), "utf8").trim().split("\n");
const pinned = new Map(pluginLines.map((line) => line.split(":") as [string, string]));
const baseImage = /^ARG JENKINS_BASE_IMAGE=(\S+)$/m.exec(
    fs.readFileSync(path.join(jenkinsDir, "Dockerfile"), "utf8"),
)?.[1];

describe("plugin version order", () => {
    const ordered: [string, string][] = [
        ["1491.v6d6145e96e1c", "1511.v2e3cb_0008ef0"], // incrementals: the commit count decides
        ["5.9.3", "5.10.0"], // numerically, not as text
        ["2053.vb_0da_47381a_25", "2117.vc05a_0b_e6b_f4e"],
        ["3.1096.v0b_cc466e4323", "3.1097.v868116049892"],
        ["1.46.0", "1.47.0"],
        ["9.9-185.va_6c6b_3348b_c3", "9.9.1-189.vb_5ef2964da_91"], // "-" starts a sub-list: 9.9.1 beats 9.9-185
        ["2.541.1", "2.568.2"],
        ["2.568", "2.568.1"],
        ["2.1.5", "2.1.5-1"],
        ["20251224-185.v0cc18490c62c", "20260814-226.v20f9685d642c"],
    ];
    for (const [older, newer] of ordered) {
        test(`${older} < ${newer}`, () => {
            assert.ok(compareVersions(older, newer) < 0);
            assert.ok(compareVersions(newer, older) > 0);
            assert.ok(versionAtLeast(newer, older));
            assert.ok(!versionAtLeast(older, newer));
        });
    }
    test("equal versions, and trailing zeros", () => {
        assert.equal(compareVersions("1.47", "1.47.0"), 0);
        assert.equal(compareVersions("2117.vc05a_0b_e6b_f4e", "2117.vc05a_0b_e6b_f4e"), 0);
    });
    test("refuses what it cannot order honestly", () => {
        assert.throws(() => compareVersions("1511.v2e3cb_0008ef0", "1511.v0000000000aa"), /cannot order/);
        assert.throws(() => compareVersions("1.0-beta-2", "1.0"), /cannot compare/);
        assert.throws(() => compareVersions("latest", "1.0"), /not a plugin version/);
    });
});

describe("pinned plugins", () => {
    test("the Dockerfile's base image is the locked LTS with JDK 21", () => {
        assert.equal(baseImage, lock.core.image);
        assert.equal(lock.core.image, `jenkins/jenkins:${lock.core.version}-jdk21`);
    });

    test("plugins.txt and the lock list the same plugins at the same versions", () => {
        assert.equal(pinned.size, pluginLines.length, "a plugin is listed twice in plugins.txt");
        assert.deepEqual(
            [...pinned].sort(),
            Object.entries(lock.plugins)
                .map(([id, plugin]) => [id, plugin.version])
                .sort(),
        );
    });

    test("every version comes from the recorded BOM commit and line", () => {
        assert.equal(lock.bom.repository, "jenkinsci/bom");
        assert.match(lock.bom.commit, /^[0-9a-f]{40}$/);
        assert.equal(
            lock.bom.folder,
            `bom-${lock.core.version.split(".").slice(0, 2).join(".")}.x`,
            "the BOM line is not the pinned LTS line",
        );
        assert.ok(
            lock.bom.testedWithCore !== null && versionAtLeast(lock.core.version, lock.bom.testedWithCore),
            "the pinned core is older than the core the BOM line is tested with",
        );
    });

    test("the plugins the configuration uses are pinned directly", () => {
        for (const id of DIRECT_PLUGINS) {
            assert.ok(pinned.has(id), `${id} is not in plugins.txt`);
            assert.ok(lock.plugins[id]?.direct, `${id} is not recorded as direct`);
        }
    });

    test("no plugin needs a newer core than the pinned LTS", () => {
        for (const [id, plugin] of Object.entries(lock.plugins)) {
            if (plugin.requiredCore === null) continue; // unverified: covered by the BOM line test above
            assert.ok(
                versionAtLeast(lock.core.version, plugin.requiredCore),
                `${id}:${pinned.get(id)} needs core ${plugin.requiredCore}, the image has ${lock.core.version}`,
            );
        }
    });

    test("every mandatory dependency is pinned, at or above what its dependents need", () => {
        for (const [id, plugin] of Object.entries(lock.plugins)) {
            for (const [dependency, { minimum, optional }] of Object.entries(plugin.dependencies)) {
                if (optional) continue; // jenkins-plugin-cli does not install optional dependencies
                const have = pinned.get(dependency);
                assert.ok(have !== undefined, `${id} needs ${dependency} >= ${minimum}, which is not in plugins.txt`);
                assert.ok(
                    versionAtLeast(have, minimum),
                    `${id} needs ${dependency} >= ${minimum}, plugins.txt pins ${have}`,
                );
            }
        }
    });

    test("every pinned plugin is direct or required by a pinned plugin", () => {
        for (const [id, plugin] of Object.entries(lock.plugins)) {
            const reasons = plugin.requiredBy.filter(
                (by) => by === "direct" || lock.plugins[by]?.dependencies[id] !== undefined,
            );
            assert.ok(reasons.length > 0, `${id} is in the lock for no recorded reason`);
        }
    });

    test("each plugin's pom.xml source is recorded; an inexact one names the older release read", () => {
        for (const [id, plugin] of Object.entries(lock.plugins)) {
            assert.match(plugin.source.repository, /^jenkinsci\//, id);
            if (plugin.source.exact) {
                assert.match(plugin.source.commit ?? "", /^[0-9a-f]{40}$/, id);
            } else if (plugin.source.readVersion !== undefined) {
                assert.ok(
                    compareVersions(plugin.source.readVersion, plugin.version) < 0,
                    `${id}: read ${plugin.source.readVersion}, which is not older than ${plugin.version}`,
                );
            }
        }
    });
});
