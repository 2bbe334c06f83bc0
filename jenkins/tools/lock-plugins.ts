/**
 * Regenerates jenkins/plugins.lock.json and jenkins/plugins.txt from local bare git mirrors, with
 * no network: the plugin BOM (jenkinsci/bom) gives every version, each plugin's own pom.xml at
 * its release gives the core it needs and the plugins it depends on.
 *
 *   npx tsx jenkins/tools/lock-plugins.ts --mirrors /work/.mirror --bom-ref 6916.v15ec97679743 \
 *       --line 2.568.x --core 2.568.2 --image-repo-ref 2.568.2
 *
 * --mirrors is a folder of bare mirrors named `<owner>+<name>/repo` (jenkinsci/bom,
 * jenkinsci/plugin-pom, jenkinsci/docker and one per plugin repository). The direct plugins are
 * the ones in DIRECT_PLUGINS (directPlugins.ts). It writes both files next to the Dockerfile and fails, naming what is
 * missing, when a mirror or a release is absent, a dependency needs a newer version than the BOM
 * pins, or a plugin needs a newer core than --core.
 *
 * What it encodes (maven-hpi-plugin, AbstractJenkinsManifestMojo#findDependencyPlugins): a
 * plugin's Plugin-Dependencies are its direct compile/runtime dependencies that are plugins, at
 * the version Maven resolves (explicit, else dependencyManagement, where the imported
 * io.jenkins.tools.bom:bom-<line>:<release> supplies most), optional ones marked
 * `resolution:=optional`; Jenkins-Version is the property `jenkins.version`.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { XMLParser } from "fast-xml-parser";
import { compareVersions, versionAtLeast } from "./pluginVersion";
import { DIRECT_PLUGINS } from "./directPlugins";

/** Plugin id -> GitHub repository, where it is not jenkinsci/<id>-plugin. */
const REPOSITORIES: Record<string, string> = {
    "ssh-slaves": "jenkinsci/ssh-agents-plugin",
    "mina-sshd-api-common": "jenkinsci/mina-sshd-api-plugin",
    "mina-sshd-api-core": "jenkinsci/mina-sshd-api-plugin",
};

type Dependency = {
    groupId: string;
    artifactId: string;
    version?: string;
    scope?: string;
    type?: string;
    classifier?: string;
    optional?: string;
};
/** The parts of a pom.xml this tool reads (the parser keeps every value a string, `dependency` always a list). */
interface Pom {
    groupId?: string;
    artifactId: string;
    version?: string;
    packaging?: string;
    parent?: { groupId: string; artifactId: string; version: string };
    properties?: Record<string, string>;
    dependencies?: { dependency?: Dependency[] };
    dependencyManagement?: { dependencies?: { dependency?: Dependency[] } };
}

const parser = new XMLParser({
    ignoreAttributes: true,
    parseTagValue: false,
    isArray: (name) => ["dependency", "module", "exclusion"].includes(name),
});

function args(): Record<string, string> {
    const out: Record<string, string> = {};
    const argv = process.argv.slice(2);
    for (let i = 0; i < argv.length; i += 2) {
        if (!argv[i].startsWith("--") || argv[i + 1] === undefined)
            throw new Error(`usage: see the header of ${__filename}`);
        out[argv[i].slice(2)] = argv[i + 1];
    }
    for (const required of ["mirrors", "bom-ref", "line", "core", "image-repo-ref"]) {
        if (out[required] === undefined) throw new Error(`missing --${required}`);
    }
    return out;
}

class Mirror {
    constructor(
        readonly repository: string,
        readonly dir: string,
    ) {
        if (!fs.existsSync(dir)) throw new Error(`no mirror of ${repository} at ${dir}`);
    }
    git(...argv: string[]): string {
        return execFileSync("git", ["-C", this.dir, ...argv], { encoding: "utf8", maxBuffer: 64 << 20 });
    }
    commitOf(ref: string): string | undefined {
        try {
            return this.git("rev-parse", "--verify", "-q", `${ref}^{commit}`).trim();
        } catch {
            return undefined;
        }
    }
    tagExists(tag: string): boolean {
        return this.git("tag", "-l", tag).trim() === tag;
    }
    show(commit: string, file: string): string {
        return this.git("show", `${commit}:${file}`);
    }
    pomFiles(commit: string): string[] {
        return this.git("ls-tree", "-r", "--name-only", commit)
            .split("\n")
            .filter((file) => /(^|\/)pom\.xml$/.test(file) && file.split("/").length <= 3);
    }
}

function parsePom(text: string): Pom {
    return (parser.parse(text) as { project: Pom }).project;
}

function interpolate(value: string, props: Record<string, string>): string {
    for (let i = 0; i < 10 && value.includes("${"); i++) {
        value = value.replace(/\$\{([^}]+)\}/g, (whole, name: string) => props[name] ?? whole);
    }
    return value;
}

/** Versions a BOM module manages (groupId:artifactId -> version), following its imports of sibling BOM modules. */
function bomVersions(bom: Mirror, commit: string, module: string, seen: string[] = []): Map<string, string> {
    const root = parsePom(bom.show(commit, "pom.xml"));
    const pom = parsePom(bom.show(commit, `${module}/pom.xml`));
    const props = { ...(root.properties ?? {}), ...(pom.properties ?? {}), "project.groupId": "io.jenkins.tools.bom" };
    const out = new Map<string, string>();
    const imports: string[] = [];
    for (const dep of pom.dependencyManagement?.dependencies?.dependency ?? []) {
        if (dep.scope === "import") {
            imports.push(interpolate(dep.artifactId, props));
        } else if (
            dep.classifier === undefined &&
            dep.version !== undefined &&
            !out.has(`${interpolate(dep.groupId, props)}:${dep.artifactId}`)
        ) {
            out.set(`${interpolate(dep.groupId, props)}:${dep.artifactId}`, interpolate(dep.version, props));
        }
    }
    for (const imported of imports) {
        for (const [id, version] of bomVersions(bom, commit, imported, [...seen, module])) {
            if (!out.has(id)) out.set(id, version);
        }
    }
    return out;
}

function bomChain(bom: Mirror, commit: string, module: string): string[] {
    const pom = parsePom(bom.show(commit, `${module}/pom.xml`));
    const next = (pom.dependencyManagement?.dependencies?.dependency ?? []).find((dep) => dep.scope === "import");
    return next === undefined ? [module] : [module, ...bomChain(bom, commit, next.artifactId)];
}

/** Parent poms outside the plugin's repository: artifactId -> repository. */
const PARENT_REPOSITORIES: Record<string, string> = {
    plugin: "jenkinsci/plugin-pom",
    "analysis-pom": "jenkinsci/analysis-pom-plugin",
};

/** The parent poms outside the plugin's repository (org.jenkins-ci.plugins:plugin and the like), outermost first. */
function externalParents(mirror: (repository: string) => Mirror, parent: Pom["parent"]): Pom[] {
    if (parent === undefined) return [];
    const repository = PARENT_REPOSITORIES[parent.artifactId];
    if (repository === undefined) throw new Error(`unknown parent pom ${parent.groupId}:${parent.artifactId}`);
    const repo = mirror(repository);
    const tag = [parent.version, `${parent.artifactId}-${parent.version}`].find((t) => repo.tagExists(t));
    if (tag === undefined) throw new Error(`no ${parent.artifactId} ${parent.version} in the mirror of ${repository}`);
    const pom = parsePom(repo.show(tag, "pom.xml"));
    return [...externalParents(mirror, pom.parent), pom];
}

function tagOf(repo: Mirror, id: string, version: string): string | undefined {
    const base = repo.repository.split("/")[1].replace(/-plugin$/, "");
    return [version, `${id}-${version}`, `v${version}`, `${base}-${version}`].find((t) => repo.tagExists(t));
}

/** The newest release tag in the mirror older than `version`, as [version, tag]. */
function olderRelease(repo: Mirror, id: string, version: string): [string, string] | undefined {
    let best: [string, string] | undefined;
    for (const tag of repo.git("tag", "-l").split("\n").filter(Boolean)) {
        const candidate = tag.replace(new RegExp(`^(${id}-|v)`), "");
        try {
            if (
                compareVersions(candidate, version) < 0 &&
                (best === undefined || compareVersions(candidate, best[0]) > 0)
            )
                best = [candidate, tag];
        } catch {
            // not a release tag of a comparable form
        }
    }
    return best;
}

type Locked = {
    version: string;
    groupId: string | null;
    requiredCore: string | null;
    requiredCoreFrom: string | null;
    dependencies: Record<string, { minimum: string; optional?: true }>;
    nonPluginDependencies: string[];
    /** exact: false when the mirror lacks the pinned release and an older one (readVersion) was read. */
    source: {
        repository: string;
        tag: string | null;
        commit: string | null;
        pom: string | null;
        exact: boolean;
        readVersion?: string;
        importedBom?: string;
    };
    requiredBy: string[];
};

function main(): void {
    const a = args();
    const mirror = (repository: string) =>
        new Mirror(repository, path.join(a.mirrors, repository.replace("/", "+"), "repo"));
    const bom = mirror("jenkinsci/bom");
    const bomCommit = bom.commitOf(a["bom-ref"]);
    if (bomCommit === undefined) throw new Error(`no ${a["bom-ref"]} in the bom mirror`);
    const lineModule = `bom-${a.line}`;
    const pinned = bomVersions(bom, bomCommit, lineModule);
    const pinnedById = new Map([...pinned].map(([key, version]) => [key.split(":")[1], version]));
    const samplePom = bom.show(bomCommit, "sample-plugin/pom.xml");
    const testedCore = new RegExp(`<bom>${a.line.replace(/\./g, "\\.")}</bom>\\s*<jenkins\\.version>([^<]+)<`).exec(
        samplePom,
    )?.[1];
    const docker = mirror("jenkinsci/docker");
    const dockerCommit = docker.commitOf(a["image-repo-ref"]);
    if (dockerCommit === undefined) throw new Error(`no ${a["image-repo-ref"]} in the docker mirror`);

    const importedBoms = new Map<string, Map<string, string>>();
    const imported = (module: string, release: string): Map<string, string> => {
        const key = `${module}@${release}`;
        if (!importedBoms.has(key)) {
            const commit = bom.commitOf(release);
            if (commit === undefined)
                throw new Error(`bom release ${release} (imported as ${module}) is not in the bom mirror`);
            importedBoms.set(key, bomVersions(bom, commit, module));
        }
        return importedBoms.get(key)!;
    };

    const problems: string[] = [];
    const locked = new Map<string, Locked>();
    const queue: [string, string][] = DIRECT_PLUGINS.map((id) => [id, "direct"]);
    while (queue.length > 0) {
        const [id, by] = queue.shift()!;
        if (locked.has(id)) {
            locked.get(id)!.requiredBy.push(by);
            continue;
        }
        const version = pinnedById.get(id);
        if (version === undefined) {
            problems.push(`${id} (needed by ${by}) is not in ${lineModule}`);
            continue;
        }
        const repository = REPOSITORIES[id] ?? `jenkinsci/${id}-plugin`;
        let repo: Mirror;
        try {
            repo = mirror(repository);
        } catch (error) {
            // No copy of its repository: pinned from the BOM, unverified (bom-<line> is tested with that line's core).
            console.error(`${id}:${version}: ${(error as Error).message}; recorded as unverified`);
            locked.set(id, {
                version,
                groupId: null,
                requiredCore: null,
                requiredCoreFrom: null,
                dependencies: {},
                nonPluginDependencies: [],
                source: { repository, tag: null, commit: null, pom: null, exact: false },
                requiredBy: [by],
            });
            continue;
        }
        let readVersion = version;
        let tag = tagOf(repo, id, version);
        const hash = /\.v([0-9a-f_]+)$/.exec(version)?.[1].replace(/_/g, "");
        let commit = tag !== undefined ? repo.commitOf(tag) : hash !== undefined ? repo.commitOf(hash) : undefined;
        if (commit === undefined) {
            // The mirror is older than the release: read the newest older release instead, and say so.
            const older = olderRelease(repo, id, version);
            if (older === undefined) {
                problems.push(
                    `${id}:${version}: no tag or commit for it, nor an older release, in the mirror of ${repository}`,
                );
                continue;
            }
            [readVersion, tag] = older;
            commit = repo.commitOf(tag)!;
            console.error(`${id}:${version} is not in the mirror of ${repository}; read ${readVersion} instead`);
        }
        // The plugin's pom, and its parents inside the repository.
        const poms = new Map(repo.pomFiles(commit).map((file) => [file, parsePom(repo.show(commit, file))] as const));
        const ownFile = [...poms.keys()].find(
            (file) => poms.get(file)!.artifactId === id && ["hpi", "jpi"].includes(poms.get(file)!.packaging ?? ""),
        );
        if (ownFile === undefined) {
            problems.push(`${id}:${version}: no hpi pom.xml with artifactId ${id} at ${repository}@${commit}`);
            continue;
        }
        const chain: Pom[] = [];
        for (let pom: Pom | undefined = poms.get(ownFile); pom !== undefined;) {
            chain.unshift(pom);
            const parentId = pom.parent?.artifactId;
            pom = [...poms.values()].find((candidate) => candidate.artifactId === parentId && candidate !== pom);
        }
        chain.unshift(...externalParents(mirror, chain[0].parent));
        let props: Record<string, string> = {};
        for (const pom of chain) props = { ...props, ...(pom.properties ?? {}) };
        const own = chain[chain.length - 1];
        props = {
            ...props,
            "project.version": readVersion,
            "project.groupId": own.groupId ?? own.parent?.groupId ?? "",
            "project.artifactId": id,
        };
        const requiredCore =
            props["jenkins.version"] === undefined ? undefined : interpolate(props["jenkins.version"], props);
        if (requiredCore === undefined || requiredCore.includes("${")) {
            problems.push(`${id}:${version}: cannot work out jenkins.version`);
            continue;
        }
        const rawCore =
            chain
                .map((pom) => pom.properties?.["jenkins.version"])
                .filter(Boolean)
                .pop() ?? "(plugin parent pom default)";
        const requiredCoreFrom = rawCore.includes("${")
            ? `jenkins.version = ${rawCore}, jenkins.baseline = ${props["jenkins.baseline"]}`
            : `jenkins.version = ${rawCore}`;

        // dependencyManagement: explicit entries (child first), then imported BOMs in order.
        const managed = new Map<string, string>();
        let importedBom: string | undefined;
        const importList: [string, string][] = [];
        for (const pom of [...chain].reverse()) {
            for (const dep of pom.dependencyManagement?.dependencies?.dependency ?? []) {
                const artifactId = interpolate(dep.artifactId, props);
                const key = `${interpolate(dep.groupId, props)}:${artifactId}`;
                if (dep.scope === "import") {
                    if (dep.groupId === "io.jenkins.tools.bom")
                        importList.push([artifactId, interpolate(dep.version!, props)]);
                } else if (dep.classifier === undefined && dep.version !== undefined && !managed.has(key)) {
                    managed.set(key, interpolate(dep.version, props));
                }
            }
        }
        const importedManaged = new Map<string, string>();
        for (const [module, release] of importList) {
            importedBom ??= `io.jenkins.tools.bom:${module}:${release}`;
            for (const [key, v] of imported(module, release))
                if (!importedManaged.has(key)) importedManaged.set(key, v);
        }

        const dependencies: Locked["dependencies"] = {};
        const nonPlugin: string[] = [];
        for (const pom of chain) {
            for (const dep of pom.dependencies?.dependency ?? []) {
                const scope = dep.scope === undefined ? "compile" : interpolate(dep.scope, props);
                if (
                    !["compile", "runtime"].includes(scope) ||
                    dep.classifier !== undefined ||
                    (dep.type ?? "jar") === "pom"
                )
                    continue;
                const artifactId = interpolate(dep.artifactId, props);
                const key = `${interpolate(dep.groupId, props)}:${artifactId}`;
                const isPlugin = pinned.has(key) || importedManaged.has(key);
                if (!isPlugin || artifactId === id) {
                    nonPlugin.push(key);
                    continue;
                }
                const minimum =
                    dep.version !== undefined
                        ? interpolate(dep.version, props)
                        : (managed.get(key) ?? importedManaged.get(key));
                if (minimum === undefined || minimum.includes("${")) {
                    problems.push(`${id}:${version}: no version for its dependency ${artifactId}`);
                    continue;
                }
                const optional = dep.optional === "true";
                dependencies[artifactId] = optional ? { minimum, optional: true } : { minimum };
                if (!optional) queue.push([artifactId, id]);
            }
        }
        locked.set(id, {
            version,
            groupId: props["project.groupId"],
            requiredCore,
            requiredCoreFrom,
            dependencies: Object.fromEntries(Object.entries(dependencies).sort(([x], [y]) => x.localeCompare(y))),
            nonPluginDependencies: nonPlugin.sort(),
            source: {
                repository,
                tag: tag ?? null,
                commit,
                pom: ownFile,
                exact: readVersion === version,
                ...(readVersion !== version && { readVersion }),
                ...(importedBom && { importedBom }),
            },
            requiredBy: [by],
        });
    }

    for (const [id, plugin] of locked) {
        if (plugin.requiredCore !== null && !versionAtLeast(a.core, plugin.requiredCore))
            problems.push(`${id}:${plugin.version} needs core ${plugin.requiredCore} > ${a.core}`);
        for (const [dep, { minimum, optional }] of Object.entries(plugin.dependencies)) {
            const have = locked.get(dep)?.version;
            if (!optional && (have === undefined || compareVersions(have, minimum) < 0)) {
                problems.push(
                    `${id}:${plugin.version} needs ${dep} >= ${minimum}, the BOM pins ${have ?? pinnedById.get(dep)}`,
                );
            }
        }
    }
    if (problems.length > 0) {
        console.error(problems.join("\n"));
        process.exit(1);
    }

    const ids = [...locked.keys()].sort();
    const lock = {
        $comment:
            "Generated by jenkins/tools/lock-plugins.ts from local mirrors; checked by test/jenkins/plugins.test.ts. Optional dependencies are recorded but not installed by jenkins-plugin-cli, so they are not pinned.",
        core: {
            version: a.core,
            image: `jenkins/jenkins:${a.core}-jdk21`,
            imageSource: { repository: "jenkinsci/docker", tag: a["image-repo-ref"], commit: dockerCommit },
        },
        bom: {
            repository: "jenkinsci/bom",
            tag: a["bom-ref"],
            commit: bomCommit,
            folder: lineModule,
            inherits: bomChain(bom, bomCommit, lineModule),
            testedWithCore: testedCore ?? null,
        },
        plugins: Object.fromEntries(ids.map((id) => [id, { ...locked.get(id)!, direct: DIRECT_PLUGINS.includes(id) }])),
    };
    const here = path.resolve(__dirname, "..");
    fs.writeFileSync(path.join(here, "plugins.lock.json"), `${JSON.stringify(lock, null, 2)}\n`);
    fs.writeFileSync(path.join(here, "plugins.txt"), ids.map((id) => `${id}:${locked.get(id)!.version}\n`).join(""));
    console.error(`${ids.length} plugins locked from ${lineModule} at ${a["bom-ref"]} (${bomCommit})`);
}

main();
