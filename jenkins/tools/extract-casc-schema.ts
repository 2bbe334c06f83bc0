/**
 * Writes jenkins/casc-schema.json: for every class the rendered JCasC YAML and job XML configure,
 * the names configuration-as-code and XStream accept for it, read from the Java sources of Jenkins
 * core and the plugins at the tags jenkins/plugins.lock.json pins. test/jenkins/cascSchema.test.ts
 * checks the rendered files against it, with no Jenkins to run.
 *
 *   npx tsx jenkins/tools/extract-casc-schema.ts [--mirrors /work/.mirror] [--out jenkins/casc-schema.json]
 *
 * --mirrors holds bare git mirrors named `<owner>+<name>/repo`: jenkinsci/jenkins and the plugins in
 * PLUGINS. A tag missing from a mirror falls back to the lock's commit; a commit other than the
 * lock's is an error.
 *
 * The JCasC rules follow jenkinsci/configuration-as-code-plugin at its pinned tag:
 * - plugin/src/main/java/io/jenkins/plugins/casc/BaseConfigurator.java describe(): attributes are the
 *   public one-argument setX methods (own or inherited, Class#getMethods) that have a getX or boolean
 *   isX, except Map types, plus public getters and fields of PersistedList types; an attribute is
 *   deprecated or restricted when that setter (or getter) carries @Deprecated or @Restricted. A
 *   @DataBoundSetter field is no attribute (only public fields are read); the schema lists any apart.
 * - impl/configurators/DataBoundConfigurator.java describe(): adds the @DataBoundConstructor's
 *   parameters (by name, ClassDescriptor#loadParameterNames); tryConstructor() consumes them first.
 * - impl/configurators/DescriptorConfigurator.java: a Descriptor (a GlobalConfiguration) has only the
 *   reflective attributes; its names are its @Symbol, else its decapitalised class name and that of
 *   its Descriptor's type argument.
 * - ConfigurationContext.java: unknown, deprecated and restricted attributes are rejected by default.
 * - impl/DefaultConfiguratorRegistry.java internalLookup(): a custom Configurator extension wins; then
 *   collections (their element type), Descriptors, @DataBoundConstructor classes, abstract Describables
 *   (HeteroDescribableConfigurator), primitives and enums.
 * - impl/configurators/GlobalConfigurationCategoryConfigurator.java: the roots `security`, `unclassified`
 *   are the categories' @Symbol; their attributes are the global configurations of that category
 *   (Descriptor#getCategory, hudson/model/Descriptor.java in core).
 * Custom configurators (JenkinsConfigurator, HudsonPrivateSecurityRealmConfigurator, the credentials
 * plugin's CredentialsRootConfigurator ...) are found by searching the mirrors, and the attributes
 * their describe() adds (`new Attribute<...>("name", Type.class)`) are read from their source.
 *
 * XStream (job config.xml): a class's elements are its own and inherited non-static, non-transient
 * fields; the root `project` is core's alias (hudson/model/Items.java).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { annotated, ClassRef, JavaIndex, publicMethods, SourceRepo, tagCommit } from "./javaModel";
import { Annotation, Constructor, Field, Method, stringLiterals, typeArguments } from "./javaSource";
import {
    CascAttribute,
    CascClass,
    CascConfigurator,
    CascRoot,
    CascSchema,
    CascShape,
    Citation,
    SchemaSource,
    XStreamClass,
    XStreamField,
    XStreamShape,
} from "./cascSchema";

const projectDir = path.resolve(__dirname, "..", "..");

/** Plugins whose classes the rendered files configure (and configuration-as-code, whose rules these are). */
const PLUGINS = [
    "configuration-as-code",
    "credentials",
    "ssh-credentials",
    "plain-credentials",
    "credentials-binding",
    "ssh-slaves",
    "git",
    "git-client",
    "github",
    "description-setter",
];

/** Every class a mapping of the rendered JCasC YAML can resolve to (local and GitHub mode, any number of build hosts). */
const CASC_CLASSES = [
    "jenkins.model.Jenkins",
    "hudson.security.HudsonPrivateSecurityRealm",
    "io.jenkins.plugins.casc.core.HudsonPrivateSecurityRealmConfigurator$UserWithPassword",
    "hudson.security.FullControlOnceLoggedInAuthorizationStrategy",
    "hudson.security.csrf.DefaultCrumbIssuer",
    "hudson.slaves.EnvironmentVariablesNodeProperty",
    "hudson.slaves.EnvironmentVariablesNodeProperty$Entry",
    "hudson.slaves.DumbSlave",
    "hudson.slaves.RetentionStrategy$Always",
    "hudson.plugins.sshslaves.SSHLauncher",
    "hudson.plugins.sshslaves.verifiers.ManuallyTrustedKeyVerificationStrategy",
    "hudson.plugins.sshslaves.verifiers.ManuallyProvidedKeyVerificationStrategy",
    "com.cloudbees.plugins.credentials.GlobalCredentialsConfiguration",
    "com.cloudbees.plugins.credentials.SystemCredentialsProvider",
    "com.cloudbees.plugins.credentials.domains.DomainCredentials",
    "com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey",
    "com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey$DirectEntryPrivateKeySource",
    "org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl",
    "org.jenkinsci.plugins.gitclient.GitHostKeyVerificationConfiguration",
    "org.jenkinsci.plugins.gitclient.verifier.ManuallyProvidedKeyVerificationStrategy",
    "jenkins.model.JenkinsLocationConfiguration",
    "org.jenkinsci.plugins.github.config.GitHubPluginConfig",
    "org.jenkinsci.plugins.github.config.HookSecretConfig",
];

/** Every class an element of a rendered config.xml stands for, the build discarder a job may carry, and the signed data URL's binding. */
const XSTREAM_CLASSES = [
    "hudson.model.FreeStyleProject",
    "hudson.scm.NullSCM",
    "hudson.tasks.Shell",
    "hudson.tasks.ArtifactArchiver",
    "jenkins.triggers.ReverseBuildTrigger",
    "hudson.model.Result",
    "jenkins.model.BuildDiscarderProperty",
    "hudson.tasks.LogRotator",
    "hudson.plugins.git.GitSCM",
    "hudson.plugins.git.UserRemoteConfig",
    "hudson.plugins.git.BranchSpec",
    "com.cloudbees.jenkins.GitHubPushTrigger",
    "com.coravy.hudson.plugins.github.GithubProjectProperty",
    "hudson.plugins.descriptionsetter.DescriptionSetterPublisher",
    "org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper",
    "org.jenkinsci.plugins.credentialsbinding.impl.StringBinding",
];

const DESCRIBABLE = "hudson.model.Describable";
const DESCRIPTOR = "hudson.model.Descriptor";
const PERSISTED_LIST = "hudson.util.PersistedList";
/** java.util.Collection and the JDK classes the mirrors' collections extend (PersistedList extends AbstractList). */
const COLLECTIONS = new Set([
    "java.util.Collection",
    "java.util.List",
    "java.util.Set",
    "java.util.SortedSet",
    "java.util.AbstractCollection",
    "java.util.AbstractList",
    "java.util.AbstractSet",
    "java.util.ArrayList",
    "java.util.LinkedList",
    "java.util.HashSet",
    "java.util.TreeSet",
    "java.util.LinkedHashSet",
    "java.util.concurrent.CopyOnWriteArrayList",
]);
/** XStream writes these as a list of elements named by class (their converters: CopyOnWriteList, DescribableList, PersistedList). */
const XSTREAM_LISTS = new Set([
    ...COLLECTIONS,
    "hudson.util.CopyOnWriteList",
    "hudson.util.DescribableList",
    PERSISTED_LIST,
]);
const MAPS = /^java\.util\.(\w+\.)?\w*Map$/;

type Lock = {
    core: { version: string };
    plugins: Record<
        string,
        { version: string; source: { repository: string; tag: string | null; commit: string | null; exact: boolean } }
    >;
};

function args(): { mirrors: string; out: string } {
    const argv = process.argv.slice(2);
    const value = (flag: string, fallback: string) => {
        const at = argv.indexOf(flag);
        return at === -1 ? fallback : argv[at + 1];
    };
    return {
        mirrors: value("--mirrors", "/work/.mirror"),
        out: value("--out", path.join(projectDir, "jenkins", "casc-schema.json")),
    };
}

function sourceRepo(
    mirrors: string,
    id: string,
    repository: string,
    tag: string,
    lockCommit: string | null,
): SourceRepo {
    const gitDir = path.join(mirrors, repository.replace("/", "+"), "repo");
    if (!fs.existsSync(gitDir)) throw new Error(`no mirror of ${repository} at ${gitDir}`);
    const commit = tagCommit(gitDir, tag) ?? lockCommit;
    if (commit === null)
        throw new Error(`${repository}: tag ${tag} is not in the mirror and the lock records no commit`);
    if (lockCommit !== null && commit !== lockCommit)
        throw new Error(`${repository}: tag ${tag} is ${commit}, the lock says ${lockCommit}`);
    return { id, repository, tag, commit, gitDir };
}

function sources(mirrors: string, lock: Lock): { repos: SourceRepo[]; recorded: Record<string, SchemaSource> } {
    const core = sourceRepo(mirrors, "core", "jenkinsci/jenkins", `jenkins-${lock.core.version}`, null);
    const recorded: Record<string, SchemaSource> = {
        core: {
            repository: core.repository,
            tag: core.tag,
            commit: core.commit,
            version: lock.core.version,
            exact: true,
        },
    };
    const repos = [core];
    for (const id of PLUGINS) {
        const { version, source } = lock.plugins[id];
        if (source.tag === null) throw new Error(`${id}: the lock records no source tag`);
        const repo = sourceRepo(mirrors, id, source.repository, source.tag, source.commit);
        repos.push(repo);
        recorded[id] = {
            repository: repo.repository,
            tag: repo.tag,
            commit: repo.commit,
            version,
            exact: source.exact,
        };
    }
    return { repos, recorded };
}

function cite(ref: ClassRef, line = ref.decl.line): Citation {
    return { source: ref.repo.id, path: ref.path, line };
}

function restrictions(annotations: Annotation[]): string[] {
    return annotations
        .filter((annotation) => annotation.name === "Restricted" || annotation.name.endsWith(".Restricted"))
        .flatMap((annotation) => [...annotation.args.matchAll(/(\w+)\.class/g)].map((match) => match[1]));
}

/** The element type of a collection or array type, else the type itself; `multiple` says which. */
function elementType(
    index: JavaIndex,
    written: string,
    context: ClassRef,
    lists: Set<string>,
): { type: string; multiple: boolean } {
    if (/(\[\]|\.\.\.)$/.test(written))
        return { type: resolved(index, written.replace(/(\[\]|\.\.\.)$/, ""), context), multiple: true };
    const { raw, args: typeArgs } = typeArguments(written);
    const rawType = index.resolve(raw, context);
    const isList =
        rawType !== undefined && (lists.has(rawType) || [...lists].some((list) => isA(index, rawType, list)));
    if (!isList) return { type: resolved(index, written, context), multiple: false };
    if (typeArgs.length === 0)
        return { type: inheritedElementType(index, rawType) ?? "java.lang.Object", multiple: true };
    return { type: resolved(index, wildcardBound(typeArgs[0]), context), multiple: true };
}

function wildcardBound(typeArg: string): string {
    return typeArg.replace(/^\?\s*(extends\s+)?/, "").trim() || "java.lang.Object";
}

/** A collection class without type arguments (Hudson.CloudList) gets its element type from its generic superclass, as BaseConfigurator#getComponentType does. */
function inheritedElementType(index: JavaIndex, fqn: string): string | undefined {
    for (const owner of index.lookup(fqn) === undefined ? [] : index.ancestors(index.lookup(fqn)!).found) {
        const typeArg = owner.decl.extends
            .map((written) => typeArguments(written).args[0])
            .find((arg) => arg !== undefined);
        if (typeArg !== undefined) return resolved(index, wildcardBound(typeArg), owner);
    }
    return undefined;
}

function resolved(index: JavaIndex, written: string, context: ClassRef): string {
    return index.resolve(written, context) ?? typeArguments(written).raw;
}

function isA(index: JavaIndex, fqn: string, ancestor: string): boolean {
    const ref = index.lookup(fqn);
    return ref !== undefined && index.isA(ref, ancestor);
}

function isAbstract(ref: ClassRef): boolean {
    return ref.decl.modifiers.includes("abstract") || ref.decl.declarationKind === "interface";
}

/** The explicit names a describable's descriptor (or a Descriptor itself) carries, and where. */
function descriptorOf(
    index: JavaIndex,
    ref: ClassRef,
): { class: string; symbols: string[]; citation: Citation } | undefined {
    const candidates = index.isA(ref, DESCRIPTOR)
        ? [ref]
        : ref.decl.nested.map((nested) => index.lookup(`${ref.fqn}$${nested.name}`)!);
    const descriptor = candidates.find(
        (candidate) =>
            index.isA(candidate, DESCRIPTOR) && (candidate === ref || annotated(candidate.decl, "Extension")),
    );
    if (descriptor === undefined) return undefined;
    const symbols = descriptor.decl.annotations
        .filter((annotation) => annotation.name === "Symbol")
        .flatMap((annotation) => stringLiterals(annotation.args));
    return { class: descriptor.fqn, symbols, citation: cite(descriptor) };
}

/** A custom configurator: a Configurator extension for one class, found in any mirror. */
interface CustomConfigurator {
    ref: ClassRef;
    target: string;
    kind: "BaseConfigurator" | "DataBoundConfigurator";
    rootName?: string;
}

function customConfigurators(index: JavaIndex): Map<string, CustomConfigurator> {
    const found = new Map<string, CustomConfigurator>();
    for (const repo of index.repos) {
        for (const file of index.grep(repo, "extends (BaseConfigurator|DataBoundConfigurator)<")) {
            const name = path.basename(file, ".java");
            const ref = index.classInFile(repo, file, name);
            const base = ref?.decl.extends[0];
            const match = base === undefined ? null : /^(BaseConfigurator|DataBoundConfigurator)<(.+)>$/.exec(base);
            if (ref === undefined || match === null || !annotated(ref.decl, "Extension")) continue;
            const target = index.resolve(match[2], ref);
            if (target === undefined) continue;
            const isRoot = ref.decl.implements.some((written) => written.startsWith("RootElementConfigurator"));
            const rootName = isRoot ? stringLiterals(methodNamed(ref, "getName")?.body ?? "")[0] : undefined;
            found.set(target, { ref, target, kind: match[1] as CustomConfigurator["kind"], rootName });
        }
    }
    return found;
}

/**
 * Fails on a configurator this extractor does not read that may take over one of `targets`: one that
 * implements Configurator itself or extends HeteroDescribableConfigurator for it, or whose canConfigure
 * names it.
 */
function refuseOtherConfigurators(index: JavaIndex, targets: string[], handled: Map<string, CustomConfigurator>): void {
    const handledClasses = new Set([...handled.values()].map((configurator) => configurator.ref.fqn));
    for (const repo of index.repos) {
        for (const file of index.grep(
            repo,
            "implements (RootElement)?Configurator<|extends HeteroDescribableConfigurator<|boolean canConfigure\\(",
        )) {
            const ref = index.classInFile(repo, file, path.basename(file, ".java"));
            if (ref === undefined || handledClasses.has(ref.fqn)) continue;
            const declared = [...ref.decl.extends, ...ref.decl.implements].map(
                (written) =>
                    /^(?:RootElementConfigurator|Configurator|HeteroDescribableConfigurator)<(.+)>$/.exec(written)?.[1],
            );
            const body = methodNamed(ref, "canConfigure", 1)?.body ?? "";
            const named = targets.find(
                (fqn) =>
                    declared.some((arg) => arg !== undefined && index.resolve(arg, ref) === fqn) ||
                    body.includes(`${fqn.split(/[.$]/).pop()}.class`) ||
                    body.includes(`"${fqn}"`),
            );
            if (named !== undefined)
                throw new Error(`${repo.repository} ${file} configures ${named} in a way this extractor does not read`);
        }
    }
}

function methodNamed(ref: ClassRef, name: string, parameters = 0): Method | undefined {
    return ref.decl.members.find(
        (member): member is Method =>
            member.kind === "method" && member.name === name && member.parameters.length === parameters,
    );
}

/** How configuration-as-code reads a value of this type (DefaultConfiguratorRegistry#internalLookup). */
function shapeOf(index: JavaIndex, type: string, custom: Map<string, CustomConfigurator>): CascShape {
    const ref = index.lookup(type);
    if (ref === undefined || ref.decl.declarationKind === "enum") return "value";
    if (custom.has(type) || index.isA(ref, DESCRIPTOR) || dataBoundConstructor(ref) !== undefined) return "object";
    return isAbstract(ref) && index.isA(ref, DESCRIBABLE) ? "describable" : "value";
}

function dataBoundConstructor(ref: ClassRef): Constructor | undefined {
    return ref.decl.members.find(
        (member): member is Constructor =>
            member.kind === "constructor" &&
            member.modifiers.includes("public") &&
            annotated(member, "DataBoundConstructor"),
    );
}

function constructorAttributes(
    index: JavaIndex,
    ref: ClassRef,
    custom: Map<string, CustomConfigurator>,
): CascAttribute[] {
    const constructor = dataBoundConstructor(ref);
    if (constructor === undefined) throw new Error(`${ref.fqn} has no public @DataBoundConstructor`);
    return constructor.parameters.map((parameter) => {
        const { type, multiple } = elementType(index, parameter.type, ref, COLLECTIONS);
        return {
            name: parameter.name,
            type,
            multiple,
            shape: shapeOf(index, type, custom),
            from: "constructor",
            declaredIn: ref.fqn,
            ...cite(ref, constructor.line),
            deprecated: false,
            restricted: [],
        };
    });
}

/** BaseConfigurator#describe: setters with getters, and PersistedList getters and public fields. */
function reflectiveAttributes(
    index: JavaIndex,
    ref: ClassRef,
    custom: Map<string, CustomConfigurator>,
    exclusions: string[],
): CascAttribute[] {
    const methods = publicMethods(index, ref);
    const getters = new Set(
        methods
            .filter(
                ({ method }) =>
                    method.parameters.length === 0 &&
                    (method.name.startsWith("get") ||
                        (method.name.startsWith("is") &&
                            /^(boolean|Boolean|java\.lang\.Boolean)$/.test(method.returnType))),
            )
            .map(({ method }) => method.name),
    );
    const attributes = new Map<string, CascAttribute>();
    const attribute = (
        name: string,
        written: string,
        owner: ClassRef,
        method: Method,
        from: CascAttribute["from"],
    ): CascAttribute => {
        const { type, multiple } = elementType(index, written, owner, COLLECTIONS);
        const setter = from === "setter" ? { dataBoundSetter: annotated(method, "DataBoundSetter") } : {};
        return {
            name,
            type,
            multiple,
            shape: shapeOf(index, type, custom),
            from,
            declaredIn: owner.fqn,
            ...cite(owner, method.line),
            deprecated: annotated(method, "Deprecated"),
            restricted: restrictions(method.annotations),
            ...setter,
        };
    };
    for (const { method, owner } of methods) {
        if (
            method.parameters.length === 0 &&
            method.name.startsWith("get") &&
            isPersistedList(index, method.returnType, owner)
        ) {
            const name = uncapitalize(method.name.slice(3));
            if (!exclusions.includes(name))
                attributes.set(name, attribute(name, method.returnType, owner, method, "persistedList"));
        }
    }
    for (const [suffix, overloads] of settersBySuffix(methods)) {
        const name = uncapitalize(suffix);
        const getter = getters.has(`get${suffix}`)
            ? `get${suffix}`
            : getters.has(`is${suffix}`)
              ? `is${suffix}`
              : undefined;
        if (exclusions.includes(name) || getter === undefined) continue;
        const { method, owner } = bestSetter(
            overloads,
            methods.find(({ method: m }) => m.name === getter && m.parameters.length === 0)!.method.returnType,
        );
        const written = method.parameters[0].type;
        if (MAPS.test(index.resolve(written, owner) ?? "")) continue;
        attributes.set(name, attribute(name, written, owner, method, "setter"));
    }
    return [...persistedListFields(index, ref, custom), ...attributes.values()];
}

function settersBySuffix(
    methods: { method: Method; owner: ClassRef }[],
): Map<string, { method: Method; owner: ClassRef }[]> {
    const bySuffix = new Map<string, { method: Method; owner: ClassRef }[]>();
    for (const entry of methods) {
        if (
            entry.method.parameters.length !== 1 ||
            !entry.method.name.startsWith("set") ||
            entry.method.name.length === 3
        )
            continue;
        const suffix = entry.method.name.slice(3);
        bySuffix.set(suffix, [...(bySuffix.get(suffix) ?? []), entry]);
    }
    return bySuffix;
}

/** BaseConfigurator#resolveBestSetter, reduced to what the sources here need: the overload whose parameter is the getter's type, else the first. */
function bestSetter(
    overloads: { method: Method; owner: ClassRef }[],
    getterType: string,
): { method: Method; owner: ClassRef } {
    const raw = (type: string) =>
        typeArguments(type)
            .raw.replace(/^(int|Integer)$/, "int")
            .replace(/^(boolean|Boolean)$/, "boolean")
            .replace(/^(long|Long)$/, "long");
    return overloads.find(({ method }) => raw(method.parameters[0].type) === raw(getterType)) ?? overloads[0];
}

function persistedListFields(
    index: JavaIndex,
    ref: ClassRef,
    custom: Map<string, CustomConfigurator>,
): CascAttribute[] {
    return index.ancestors(ref).found.flatMap((owner) =>
        owner.decl.members.flatMap((member) => {
            if (
                member.kind !== "field" ||
                !member.modifiers.includes("public") ||
                member.modifiers.includes("static") ||
                member.modifiers.includes("transient") ||
                !isPersistedList(index, member.type, owner)
            )
                return [];
            const { type, multiple } = elementType(index, member.type, owner, COLLECTIONS);
            // BaseConfigurator#describe marks no field attribute deprecated or restricted.
            return [
                {
                    name: member.name,
                    type,
                    multiple,
                    shape: shapeOf(index, type, custom),
                    from: "persistedList" as const,
                    declaredIn: owner.fqn,
                    ...cite(owner, member.line),
                    deprecated: false,
                    restricted: [],
                },
            ];
        }),
    );
}

function isPersistedList(index: JavaIndex, written: string, context: ClassRef): boolean {
    const type = index.resolve(written, context);
    return type !== undefined && (type === PERSISTED_LIST || isA(index, type, PERSISTED_LIST));
}

function uncapitalize(name: string): string {
    return name.charAt(0).toLowerCase() + name.slice(1);
}

/** What a custom configurator's describe() adds: `new [Multivalued]Attribute<...>("name", Type.class)`. */
function configuratorAttributes(
    index: JavaIndex,
    configurator: CustomConfigurator,
    custom: Map<string, CustomConfigurator>,
): CascAttribute[] {
    const describe = methodNamed(configurator.ref, "describe");
    if (describe?.body === undefined) return [];
    return [...describe.body.matchAll(/new\s+(\w*)Attribute\s*<[^(]*>\s*\(\s*"(\w+)"\s*,\s*([\w.]+)\.class/g)].map(
        (match) => {
            const type = resolved(index, match[3], configurator.ref);
            const line = describe.line + describe.body!.slice(0, match.index).split("\n").length;
            return {
                name: match[2],
                type,
                multiple: match[1] === "Multivalued",
                shape: shapeOf(index, type, custom),
                from: "configurator" as const,
                declaredIn: configurator.ref.fqn,
                ...cite(configurator.ref, line),
                deprecated: false,
                restricted: [],
            };
        },
    );
}

function configuratorOf(
    index: JavaIndex,
    ref: ClassRef,
    custom: CustomConfigurator | undefined,
    casc: SourceRepo,
): CascConfigurator {
    if (custom !== undefined) {
        const describe = methodNamed(custom.ref, "describe");
        const attributes =
            describe === undefined
                ? "reflection"
                : /super\.describe\(\)/.test(describe.body ?? "")
                  ? "reflection and own"
                  : "own";
        const exclusions = stringLiterals(methodNamed(custom.ref, "exclusions")?.body ?? "");
        return { class: custom.ref.fqn, ...cite(custom.ref), attributes, exclusions };
    }
    const builtin = index.isA(ref, DESCRIPTOR) ? "DescriptorConfigurator" : "DataBoundConfigurator";
    const configurator = index.lookup(`io.jenkins.plugins.casc.impl.configurators.${builtin}`);
    if (configurator === undefined || configurator.repo !== casc)
        throw new Error(`${builtin} not found in ${casc.repository}`);
    return { class: configurator.fqn, ...cite(configurator), attributes: "reflection", exclusions: [] };
}

/** DataBoundConfigurator (or a custom configurator extending it) builds the object through its @DataBoundConstructor. */
function usesConstructor(configurator: CascConfigurator, custom: CustomConfigurator | undefined): boolean {
    return (
        configurator.attributes !== "own" &&
        (custom === undefined
            ? configurator.class.endsWith(".DataBoundConfigurator")
            : custom.kind === "DataBoundConfigurator")
    );
}

function cascAttributes(
    index: JavaIndex,
    ref: ClassRef,
    configurator: CascConfigurator,
    custom: Map<string, CustomConfigurator>,
): CascAttribute[] {
    const own = custom.has(ref.fqn) ? configuratorAttributes(index, custom.get(ref.fqn)!, custom) : [];
    if (configurator.attributes === "own") return own;
    const reflective = reflectiveAttributes(index, ref, custom, configurator.exclusions);
    const constructor = usesConstructor(configurator, custom.get(ref.fqn))
        ? constructorAttributes(index, ref, custom)
        : [];
    const names = new Set([...constructor, ...own].map((attribute) => attribute.name));
    return [...constructor, ...reflective.filter((attribute) => !names.has(attribute.name)), ...own].sort((a, b) =>
        a.name.localeCompare(b.name),
    );
}

/** The category a global configuration's Descriptor#getCategory returns (the first declaration up its hierarchy). */
function categoryOf(index: JavaIndex, ref: ClassRef): string | undefined {
    for (const owner of index.ancestors(ref).found) {
        const method = methodNamed(owner, "getCategory");
        const category =
            method?.body === undefined ? undefined : /GlobalConfigurationCategory\.(\w+)\.class/.exec(method.body)?.[1];
        if (category !== undefined) return `jenkins.model.GlobalConfigurationCategory$${category}`;
    }
    return undefined;
}

/** DescriptorConfigurator#resolvePossibleNames: @Symbol, else the class name and its Descriptor<T>'s T, decapitalised. */
function globalConfigurationNames(index: JavaIndex, ref: ClassRef, symbols: string[]): string[] {
    if (symbols.length > 0) return symbols;
    const own = uncapitalize(ref.decl.name);
    for (const owner of index.ancestors(ref).found) {
        const typeArg = owner.decl.extends
            .map((written) => /^(?:hudson\.model\.)?Descriptor<(.+)>$/.exec(written)?.[1])
            .find((arg) => arg !== undefined);
        if (typeArg !== undefined) {
            const derived = uncapitalize(typeArguments(typeArg).raw.split(".").pop()!);
            return derived === own ? [own] : [own, derived];
        }
    }
    return [own];
}

function cascClass(
    index: JavaIndex,
    fqn: string,
    custom: Map<string, CustomConfigurator>,
    casc: SourceRepo,
): CascClass {
    const ref = index.lookup(fqn);
    if (ref === undefined) throw new Error(`${fqn}: no source in the mirrors`);
    const descriptor = descriptorOf(index, ref);
    const configurator = configuratorOf(index, ref, custom.get(fqn), casc);
    const isDescriptor = index.isA(ref, DESCRIPTOR);
    // GlobalConfigurationCategoryConfigurator lists the Descriptor extensions; a GlobalConfiguration always has a
    // config page (Descriptor#getConfigPage defaults to config.jelly), so its other filter passes.
    if (isDescriptor && !annotated(ref.decl, "Extension"))
        throw new Error(`${fqn}: a Descriptor without @Extension is configured by no root`);
    const category = isDescriptor ? categoryOf(index, ref) : undefined;
    const { found, outside } = index.ancestors(ref);
    return {
        ...cite(ref),
        declarationKind: ref.decl.declarationKind,
        abstract: isAbstract(ref),
        deprecated: annotated(ref.decl, "Deprecated"),
        supertypes: [...found.slice(1).map((ancestor) => ancestor.fqn), ...outside],
        symbols: descriptor?.symbols ?? [],
        ...(descriptor === undefined || descriptor.class === fqn
            ? {}
            : { descriptor: { class: descriptor.class, ...descriptor.citation } }),
        ...(isDescriptor ? { names: globalConfigurationNames(index, ref, descriptor?.symbols ?? []) } : {}),
        ...(category === undefined ? {} : { category }),
        configurator,
        constructorParameters: usesConstructor(configurator, custom.get(fqn))
            ? constructorAttributes(index, ref, custom).map((attribute) => attribute.name)
            : [],
        attributes: cascAttributes(index, ref, configurator, custom),
        ...dataBoundSetterFields(index, ref),
    };
}

function dataBoundSetterFields(index: JavaIndex, ref: ClassRef): Pick<CascClass, "dataBoundSetterFields"> {
    const names = index
        .ancestors(ref)
        .found.flatMap((owner) =>
            owner.decl.members
                .filter((member): member is Field => member.kind === "field" && annotated(member, "DataBoundSetter"))
                .map((field) => field.name),
        );
    return names.length === 0 ? {} : { dataBoundSetterFields: names };
}

/** The categories (GlobalConfigurationCategory's nested classes with @Symbol), each as a root whose attributes are its global configurations. */
function categoryRoots(
    index: JavaIndex,
    classes: Record<string, CascClass>,
): { roots: Record<string, CascRoot>; categories: Record<string, CascClass> } {
    const base = index.lookup("jenkins.model.GlobalConfigurationCategory");
    if (base === undefined) throw new Error("core's GlobalConfigurationCategory not found");
    const roots: Record<string, CascRoot> = {};
    const categories: Record<string, CascClass> = {};
    const configurator = index.lookup(
        "io.jenkins.plugins.casc.impl.configurators.GlobalConfigurationCategoryConfigurator",
    )!;
    for (const nested of base.decl.nested) {
        const ref = index.lookup(`${base.fqn}$${nested.name}`)!;
        const symbol = nested.annotations
            .filter((annotation) => annotation.name === "Symbol")
            .flatMap((annotation) => stringLiterals(annotation.args))[0];
        if (symbol === undefined) continue;
        roots[symbol] = { class: ref.fqn, ...cite(ref) };
        const members = Object.entries(classes).filter(([, cls]) => cls.category === ref.fqn);
        categories[ref.fqn] = {
            ...cite(ref),
            declarationKind: "class",
            abstract: false,
            deprecated: false,
            supertypes: [base.fqn],
            symbols: [symbol],
            configurator: { class: configurator.fqn, ...cite(configurator), attributes: "own", exclusions: [] },
            constructorParameters: [],
            attributes: members.map(([fqn, cls]) => ({
                name: cls.names![0],
                ...(cls.names!.length > 1 ? { aliases: cls.names!.slice(1) } : {}),
                type: fqn,
                multiple: false,
                shape: "object" as const,
                from: "configurator" as const,
                declaredIn: configurator.fqn,
                ...cite(configurator, methodNamed(configurator, "describe")!.line),
                deprecated: false,
                restricted: [],
            })),
        };
    }
    return { roots, categories };
}

function cascSchema(index: JavaIndex, casc: SourceRepo): CascSchema["casc"] {
    const custom = customConfigurators(index);
    refuseOtherConfigurators(index, CASC_CLASSES, custom);
    const classes = Object.fromEntries(CASC_CLASSES.map((fqn) => [fqn, cascClass(index, fqn, custom, casc)]));
    const roots: Record<string, CascRoot> = {};
    for (const configurator of custom.values()) {
        if (configurator.rootName !== undefined && classes[configurator.target] !== undefined)
            roots[configurator.rootName] = { class: configurator.target, ...cite(configurator.ref) };
    }
    const categories = categoryRoots(index, classes);
    return { roots: { ...roots, ...categories.roots }, classes: { ...classes, ...categories.categories } };
}

/** XStream's fields of a class: every non-static, non-transient field of it and its superclasses. */
function xstreamFields(index: JavaIndex, ref: ClassRef): XStreamField[] {
    return index
        .ancestors(ref)
        .found.filter((owner) => owner.decl.declarationKind === "class")
        .flatMap((owner) =>
            owner.decl.members.flatMap((member) => {
                if (
                    member.kind !== "field" ||
                    member.modifiers.includes("static") ||
                    member.modifiers.includes("transient")
                )
                    return [];
                const { type, multiple } = elementType(index, member.type, owner, XSTREAM_LISTS);
                const shape: XStreamShape = multiple
                    ? "items"
                    : index.lookup(type) !== undefined && index.lookup(type)!.decl.declarationKind !== "enum"
                      ? "object"
                      : "value";
                return [
                    {
                        name: member.name,
                        type,
                        shape,
                        declaredIn: owner.fqn,
                        ...cite(owner, member.line),
                        deprecated: annotated(member, "Deprecated"),
                    },
                ];
            }),
        );
}

function xstreamClass(index: JavaIndex, fqn: string): XStreamClass {
    const ref = index.lookup(fqn);
    if (ref === undefined) throw new Error(`${fqn}: no source in the mirrors`);
    const { found, outside } = index.ancestors(ref);
    return {
        ...cite(ref),
        abstract: isAbstract(ref),
        deprecated: annotated(ref.decl, "Deprecated"),
        supertypes: [...found.slice(1).map((ancestor) => ancestor.fqn), ...outside],
        fields: xstreamFields(index, ref),
    };
}

/** Core's `XSTREAM.alias("project", FreeStyleProject.class)` and the like, in hudson/model/Items.java. */
function xstreamAliases(index: JavaIndex): CascSchema["xstream"]["aliases"] {
    const items = index.lookup("hudson.model.Items")!;
    const text = index.read(items.repo, items.path);
    const aliases: CascSchema["xstream"]["aliases"] = {};
    for (const match of text.matchAll(/XSTREAM\.alias\("(\w+)",\s*(\w+)\.class\)/g)) {
        aliases[match[1]] = {
            class: resolved(index, match[2], items),
            source: items.repo.id,
            path: items.path,
            line: text.slice(0, match.index).split("\n").length,
        };
    }
    return aliases;
}

function main(): void {
    const { mirrors, out } = args();
    const lock = JSON.parse(fs.readFileSync(path.join(projectDir, "jenkins", "plugins.lock.json"), "utf8")) as Lock;
    const { repos, recorded } = sources(mirrors, lock);
    const index = new JavaIndex(repos);
    const schema: CascSchema = {
        $comment: `Generated by jenkins/tools/extract-casc-schema.ts from the Java sources of Jenkins core and the plugins, read from git mirrors at the tags jenkins/plugins.lock.json pins (sources below); names, types and line numbers only. Checked against the rendered JCasC and job XML by test/jenkins/cascSchema.test.ts. Regenerate after changing a pin or the classes the rendering uses.`,
        sources: recorded,
        casc: cascSchema(
            index,
            repos.find((repo) => repo.id === "configuration-as-code")!,
        ),
        xstream: {
            aliases: xstreamAliases(index),
            classes: Object.fromEntries(XSTREAM_CLASSES.map((fqn) => [fqn, xstreamClass(index, fqn)])),
        },
    };
    fs.writeFileSync(out, `${JSON.stringify(schema, null, 2)}\n`);
    console.log(
        `wrote ${path.relative(process.cwd(), out)}: ${Object.keys(schema.casc.classes).length} JCasC classes, ${Object.keys(schema.xstream.classes).length} XStream classes`,
    );
}

if (require.main === module) main();
