/**
 * Java classes read from bare git mirrors at fixed tags: find a class's source by its name,
 * resolve the type names written in it (imports, same package, nested and inherited member
 * types) and walk its supertypes across repositories. Types outside the mirrors (the JDK,
 * libraries) resolve to a name but have no source.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { CompilationUnit, Method, parseCompilationUnit, TypeDeclaration, typeArguments } from "./javaSource";

/** One repository read at one commit. */
export interface SourceRepo {
    /** `core`, or the plugin's id in plugins.lock.json. */
    id: string;
    repository: string;
    tag: string;
    commit: string;
    gitDir: string;
}

/** A class found in a mirror: its declaration, the file it is in and its enclosing classes (outermost first). */
export interface ClassRef {
    /** Binary-style name: package, then classes joined by `$` (`hudson.slaves.RetentionStrategy$Always`). */
    fqn: string;
    decl: TypeDeclaration;
    unit: CompilationUnit;
    repo: SourceRepo;
    path: string;
    enclosing: TypeDeclaration[];
}

const JAVA_LANG = new Set([
    "String",
    "Object",
    "Integer",
    "Long",
    "Boolean",
    "Double",
    "Float",
    "Short",
    "Byte",
    "Character",
    "Class",
    "Enum",
    "Iterable",
    "Number",
    "CharSequence",
]);
const PRIMITIVES = new Set(["int", "long", "boolean", "double", "float", "short", "byte", "char", "void"]);
const SOURCE_ROOT = /(?:^|\/)src\/main\/java\/(.+)\.java$/;

function git(repo: SourceRepo, ...argv: string[]): string {
    return execFileSync("git", ["--git-dir", repo.gitDir, ...argv], { encoding: "utf8", maxBuffer: 256 << 20 });
}

/** The commit a tag names in a mirror, or undefined when the mirror lacks the tag. */
export function tagCommit(gitDir: string, tag: string): string | undefined {
    if (!fs.existsSync(gitDir)) return undefined;
    try {
        return execFileSync("git", ["--git-dir", gitDir, "rev-parse", "--verify", "-q", `refs/tags/${tag}^{commit}`], {
            encoding: "utf8",
        }).trim();
    } catch {
        return undefined;
    }
}

export class JavaIndex {
    private readonly files = new Map<string, { repo: SourceRepo; path: string }>();
    private readonly units = new Map<string, CompilationUnit>();

    constructor(readonly repos: SourceRepo[]) {
        for (const repo of repos) {
            for (const path of git(repo, "ls-tree", "-r", "--name-only", repo.commit).split("\n")) {
                const match = SOURCE_ROOT.exec(path);
                const fqn = match?.[1].replace(/\//g, ".");
                if (fqn !== undefined && !this.files.has(fqn)) this.files.set(fqn, { repo, path });
            }
        }
    }

    /** A file's text at its repository's commit. */
    read(repo: SourceRepo, path: string): string {
        return git(repo, "show", `${repo.commit}:${path}`);
    }

    /** Repository paths, at its commit, where `pattern` (a git grep extended regex) matches. */
    grep(repo: SourceRepo, pattern: string): string[] {
        try {
            return git(repo, "grep", "-l", "-E", pattern, repo.commit, "--", "*src/main/java/*.java")
                .split("\n")
                .filter((line) => line !== "")
                .map((line) => line.slice(repo.commit.length + 1));
        } catch {
            return [];
        }
    }

    private unit(topLevel: string): CompilationUnit | undefined {
        const file = this.files.get(topLevel);
        if (file === undefined) return undefined;
        let unit = this.units.get(topLevel);
        if (unit === undefined) {
            unit = parseCompilationUnit(this.read(file.repo, file.path));
            this.units.set(topLevel, unit);
        }
        return unit;
    }

    /** The class of a binary-style name, when its source is in a mirror. */
    lookup(fqn: string): ClassRef | undefined {
        const [topLevel, ...inner] = fqn.split("$");
        const unit = this.unit(topLevel);
        const file = this.files.get(topLevel);
        if (unit === undefined || file === undefined) return undefined;
        let decl = unit.types.find((type) => type.name === topLevel.slice(topLevel.lastIndexOf(".") + 1));
        const enclosing: TypeDeclaration[] = [];
        for (const name of inner) {
            if (decl === undefined) return undefined;
            enclosing.push(decl);
            decl = decl.nested.find((type) => type.name === name);
        }
        return decl === undefined ? undefined : { fqn, decl, unit, repo: file.repo, path: file.path, enclosing };
    }

    /** The class declared in `path` of `repo` under the simple name `name` (top level or nested, first found). */
    classInFile(repo: SourceRepo, path: string, name: string): ClassRef | undefined {
        const match = SOURCE_ROOT.exec(path);
        if (match === null) return undefined;
        const topLevel = match[1].replace(/\//g, ".");
        const top = this.lookup(topLevel);
        if (top === undefined || top.repo !== repo) return undefined;
        const find = (ref: ClassRef): ClassRef | undefined =>
            ref.decl.name === name
                ? ref
                : ref.decl.nested
                      .map((nested) => find(this.lookup(`${ref.fqn}$${nested.name}`)!))
                      .find((found) => found !== undefined);
        return find(top);
    }

    /**
     * The binary-style name a type written in `context` refers to, following Java's scoping as far as
     * declarations go: primitives, member types of the class, its enclosing classes and their
     * supertypes, single-type imports, the same package, on-demand imports, java.lang. Undefined when
     * nothing matches (a type variable, or a class in no mirror behind an on-demand import).
     */
    resolve(written: string, context: ClassRef, inherited = true): string | undefined {
        const key = `${context.fqn} ${inherited} ${written}`;
        if (!this.resolved.has(key)) this.resolved.set(key, this.resolveUncached(written, context, inherited));
        return this.resolved.get(key);
    }

    private readonly resolved = new Map<string, string | undefined>();

    private resolveUncached(written: string, context: ClassRef, inherited: boolean): string | undefined {
        const raw = typeArguments(written).raw.replace(/(\[\]|\.\.\.)+$/, "");
        if (PRIMITIVES.has(raw)) return raw;
        const [first, ...rest] = raw.split(".");
        const head = this.resolveSimple(first, context, inherited);
        if (head !== undefined) return rest.length === 0 ? head : [head, ...rest].join("$");
        return this.qualified(raw);
    }

    /** `a.b.C.D` as a package-qualified name: the longest package prefix whose class exists. */
    private qualified(raw: string): string | undefined {
        const parts = raw.split(".");
        for (let split = parts.length - 1; split >= 1; split--) {
            const candidate = `${parts.slice(0, split + 1).join(".")}${parts.length > split + 1 ? "$" + parts.slice(split + 1).join("$") : ""}`;
            if (this.lookup(candidate) !== undefined) return candidate;
        }
        return parts.length > 1 && /^[a-z]/.test(parts[0]) ? raw : undefined;
    }

    private resolveSimple(name: string, context: ClassRef, inherited: boolean): string | undefined {
        const member = this.memberType(name, context, inherited);
        if (member !== undefined) return member;
        const single = context.unit.imports.find((imported) => imported.endsWith(`.${name}`));
        if (single !== undefined) return this.qualified(single) ?? single;
        const samePackage = `${context.unit.packageName}.${name}`;
        if (this.lookup(samePackage) !== undefined) return samePackage;
        for (const onDemand of context.unit.imports.filter((imported) => imported.endsWith(".*"))) {
            const found = this.qualified(`${onDemand.slice(0, -2)}.${name}`);
            if (found !== undefined && this.lookup(found) !== undefined) return found;
        }
        return JAVA_LANG.has(name) ? `java.lang.${name}` : undefined;
    }

    /**
     * A member type visible in `context`: its own and its enclosing classes', then those their
     * supertypes declare. Without `inherited` the context's own supertypes are left out: its extends
     * clause cannot name a type it only inherits, but may name one its enclosing class inherits.
     */
    private memberType(name: string, context: ClassRef, inherited: boolean): string | undefined {
        const chain: ClassRef[] = [context];
        for (let outer = this.outerOf(context); outer !== undefined; outer = this.outerOf(outer)) chain.push(outer);
        for (const ref of chain) {
            if (ref.decl.name === name && ref !== context) return ref.fqn;
            if (ref.decl.nested.some((nested) => nested.name === name)) return `${ref.fqn}$${name}`;
        }
        for (const ref of inherited ? chain : chain.slice(1)) {
            const ancestors = this.ancestors(ref).found.slice(1);
            const owner = ancestors.find((ancestor) => ancestor.decl.nested.some((nested) => nested.name === name));
            if (owner !== undefined) return `${owner.fqn}$${name}`;
        }
        return undefined;
    }

    outerOf(ref: ClassRef): ClassRef | undefined {
        const cut = ref.fqn.lastIndexOf("$");
        return cut === -1 ? undefined : this.lookup(ref.fqn.slice(0, cut));
    }

    /** Direct supertypes as written and as resolved (superclass first). */
    supertypes(ref: ClassRef): { written: string; fqn?: string }[] {
        return [...ref.decl.extends, ...ref.decl.implements].map((written) => ({
            written,
            fqn: this.resolve(written, ref, false),
        }));
    }

    /**
     * The class and every supertype, most derived first: the superclass chain, then the interfaces
     * breadth first. Supertypes whose source is in no mirror are returned by name in `outside`.
     */
    ancestors(ref: ClassRef): { found: ClassRef[]; outside: string[] } {
        if (!this.lineages.has(ref.fqn)) this.lineages.set(ref.fqn, this.lineage(ref));
        return this.lineages.get(ref.fqn)!;
    }

    private readonly lineages = new Map<string, { found: ClassRef[]; outside: string[] }>();

    private lineage(ref: ClassRef): { found: ClassRef[]; outside: string[] } {
        const found: ClassRef[] = [];
        const outside: string[] = [];
        const seen = new Set<string>();
        const queue: ClassRef[] = [ref];
        while (queue.length > 0) {
            const current = queue.shift()!;
            if (seen.has(current.fqn)) continue;
            seen.add(current.fqn);
            found.push(current);
            for (const { written, fqn } of this.supertypes(current)) {
                const next = fqn === undefined ? undefined : this.lookup(fqn);
                if (next !== undefined) queue.push(next);
                else if (!outside.includes(fqn ?? written)) outside.push(fqn ?? written);
            }
        }
        return { found, outside };
    }

    /** True when `ref` is `fqn` or has it among its supertypes. */
    isA(ref: ClassRef, fqn: string): boolean {
        const { found, outside } = this.ancestors(ref);
        return found.some((ancestor) => ancestor.fqn === fqn) || outside.includes(fqn);
    }
}

export function annotated(member: { annotations: { name: string }[] }, simpleName: string): boolean {
    return member.annotations.some(
        (annotation) => annotation.name === simpleName || annotation.name.endsWith(`.${simpleName}`),
    );
}

/** Public instance methods as Class#getMethods() lists them: the most derived declaration of each signature. */
export function publicMethods(index: JavaIndex, ref: ClassRef): { method: Method; owner: ClassRef }[] {
    const bySignature = new Map<string, { method: Method; owner: ClassRef }>();
    for (const owner of index.ancestors(ref).found) {
        const isInterface = owner.decl.declarationKind === "interface";
        for (const method of owner.decl.members) {
            if (method.kind !== "method" || method.modifiers.includes("static")) continue;
            if (!(method.modifiers.includes("public") || (isInterface && !method.modifiers.includes("private"))))
                continue;
            const signature = `${method.name}(${method.parameters.map((p) => typeArguments(p.type).raw).join(",")})`;
            if (!bySignature.has(signature)) bySignature.set(signature, { method, owner });
        }
    }
    return [...bySignature.values()];
}
