/**
 * The shape of jenkins/casc-schema.json (written by extract-casc-schema.ts, read by
 * test/jenkins/cascSchema.test.ts), and the one naming rule of configuration-as-code that the
 * reader applies itself because it depends on the place a describable is used at.
 */

/** Where a fact was read: a source id of `sources`, a path in that repository, a line. */
export interface Citation {
    source: string;
    path: string;
    line: number;
}

/**
 * How configuration-as-code reads an attribute's value (DefaultConfiguratorRegistry#internalLookup):
 * `describable` a single-key mapping `{symbol: {...}}` or a bare symbol (an abstract Describable,
 * HeteroDescribableConfigurator); `object` the mapping of the type's own attributes (a class with
 * a @DataBoundConstructor, a custom configurator, a Descriptor); `value` a scalar (primitives,
 * String, Secret, enums: PrimitiveConfigurator, EnumConfigurator).
 */
export type CascShape = "value" | "object" | "describable";

export interface CascAttribute extends Citation {
    name: string;
    /** Accepted with an "obsolete attribute name" warning (Attribute#aliases). */
    aliases?: string[];
    /** The attribute's type (a collection's element type), binary-style name, or as written when unresolved. */
    type: string;
    multiple: boolean;
    shape: CascShape;
    /**
     * constructor: a @DataBoundConstructor parameter; setter: a public setX with a getX/isX;
     * persistedList: a public getter or field of a PersistedList type; configurator: added by a
     * custom configurator (cited).
     */
    from: "constructor" | "setter" | "persistedList" | "configurator";
    declaredIn: string;
    /** The setter (or getter) carries @Deprecated: rejected unless `deprecated: warn`. */
    deprecated: boolean;
    /** @Restricted on the setter (NoExternalUse, DoNotUse, Beta): rejected unless allowed. */
    restricted: string[];
    dataBoundSetter?: boolean;
}

export interface CascConfigurator extends Citation {
    class: string;
    /** reflection: BaseConfigurator#describe (and the constructor, for DataBoundConfigurator); with own: plus the configurator's; own: only the configurator's. */
    attributes: "reflection" | "reflection and own" | "own";
    exclusions: string[];
}

export interface CascClass extends Citation {
    declarationKind: string;
    abstract: boolean;
    deprecated: boolean;
    /** Every supertype, most derived first (binary-style names; as written where unresolved). */
    supertypes: string[];
    /** @Symbol values of its descriptor (of the class itself, for a Descriptor such as a GlobalConfiguration). */
    symbols: string[];
    descriptor?: Citation & { class: string };
    /** A global configuration's names as a root category's attribute (DescriptorConfigurator#resolvePossibleNames). */
    names?: string[];
    /** A global configuration's category: the root it is configured under. */
    category?: string;
    configurator: CascConfigurator;
    constructorParameters: string[];
    attributes: CascAttribute[];
    /** @DataBoundSetter fields (Stapler binds them): not attributes, BaseConfigurator#describe reads only public setters and fields. */
    dataBoundSetterFields?: string[];
}

export interface CascRoot extends Citation {
    class: string;
}

export type XStreamShape = "value" | "object" | "items";

export interface XStreamField extends Citation {
    name: string;
    type: string;
    /** items: a collection whose children are elements named by class; object: the type's (or the class attribute's) fields. */
    shape: XStreamShape;
    declaredIn: string;
    deprecated: boolean;
}

export interface XStreamClass extends Citation {
    abstract: boolean;
    deprecated: boolean;
    supertypes: string[];
    fields: XStreamField[];
}

export interface SchemaSource {
    repository: string;
    tag: string;
    commit: string;
    /** The version plugins.lock.json pins; the tag read is older when `exact` is false (lock's source.readVersion). */
    version: string;
    exact: boolean;
}

export interface CascSchema {
    $comment: string;
    sources: Record<string, SchemaSource>;
    casc: {
        roots: Record<string, CascRoot>;
        classes: Record<string, CascClass>;
    };
    xstream: {
        aliases: Record<string, Citation & { class: string }>;
        classes: Record<string, XStreamClass>;
    };
}

/** Configurator#normalize: an all-capitals name in lower case, any other decapitalised. */
export function normalize(name: string): string {
    return name.toUpperCase() === name ? name.toLowerCase() : name.charAt(0).toLowerCase() + name.slice(1);
}

function simpleName(binaryName: string): string {
    return binaryName.slice(Math.max(binaryName.lastIndexOf("."), binaryName.lastIndexOf("$")) + 1);
}

/**
 * DescribableAttribute#getSymbols with the place's type as extension point (as
 * HeteroDescribableConfigurator calls it): the @Symbol values, then the class name without the
 * extension point's name (SomeFoo -> some), without it plus Impl (SomeFooImpl -> some), then
 * the class name itself. The first is the preferred one; any other is accepted as obsolete.
 */
export function symbolsAt(candidate: CascClass, className: string, extensionPoint: string): string[] {
    const cn = simpleName(className);
    const ext = simpleName(extensionPoint);
    const symbols = [...candidate.symbols];
    if (cn.endsWith(ext)) symbols.push(normalize(cn.slice(0, cn.length - ext.length)));
    if (cn.endsWith(`${ext}Impl`)) symbols.push(normalize(cn.slice(0, cn.length - ext.length - 4)));
    symbols.push(normalize(cn));
    return symbols;
}
