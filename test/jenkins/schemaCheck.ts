/**
 * Walks rendered JCasC YAML and job config.xml against jenkins/casc-schema.json, the way
 * configuration-as-code and XStream resolve them, and lists every name they would not accept.
 * The rules are the extractor's (jenkins/tools/extract-casc-schema.ts cites their sources).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { XMLParser } from "fast-xml-parser";
import { CascAttribute, CascClass, CascSchema, symbolsAt, XStreamField } from "../../jenkins/tools/cascSchema";
import { repoRoot } from "../support/paths";

export const SCHEMA_FILE = path.join(repoRoot, "jenkins", "casc-schema.json");

export function loadSchema(): CascSchema {
    return JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));
}

/** One name the configuration uses that the pinned sources do not accept: where, in which class, why. */
export interface Finding {
    path: string;
    className: string;
    problem: string;
}

export function describeFinding({ path: at, className, problem }: Finding): string {
    return `${at} (${className}): ${problem}`;
}

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The whole YAML: each root element (jenkins, credentials, security, unclassified) resolved by its configurator. */
export function checkCasc(schema: CascSchema, config: unknown): Finding[] {
    if (!isMapping(config))
        return [{ path: "", className: "(document)", problem: "expected a mapping of root elements" }];
    return Object.entries(config).flatMap(([name, value]) => {
        const root = schema.casc.roots[name];
        if (root === undefined)
            return [
                {
                    path: name,
                    className: "(root)",
                    problem: `no root element of that name; known: ${Object.keys(schema.casc.roots).join(", ")}`,
                },
            ];
        return checkObject(schema, value, root.class, name);
    });
}

/** A mapping of one class's attributes: BaseConfigurator#configure, then handleUnknown for what is left. */
function checkObject(schema: CascSchema, value: unknown, className: string, at: string): Finding[] {
    const cls = schema.casc.classes[className];
    if (cls === undefined)
        return [
            {
                path: at,
                className,
                problem:
                    "class not in jenkins/casc-schema.json (add it to CASC_CLASSES in jenkins/tools/extract-casc-schema.ts and regenerate)",
            },
        ];
    const findings: Finding[] = cls.deprecated ? [{ path: at, className, problem: "the class is @Deprecated" }] : [];
    if (value === null || value === undefined) return findings;
    if (!isMapping(value))
        return [
            ...findings,
            { path: at, className, problem: `expected a mapping of attributes, found ${JSON.stringify(value)}` },
        ];
    for (const [key, sub] of Object.entries(value)) {
        findings.push(...checkAttribute(schema, cls, className, key, sub, `${at}.${key}`));
    }
    return findings;
}

function checkAttribute(
    schema: CascSchema,
    cls: CascClass,
    className: string,
    key: string,
    value: unknown,
    at: string,
): Finding[] {
    const attribute = cls.attributes.find((candidate) => candidate.name === key);
    if (attribute === undefined) {
        const alias = cls.attributes.find((candidate) => candidate.aliases?.includes(key));
        const problem =
            alias === undefined
                ? `unknown attribute; ${className} accepts ${cls.attributes.map((a) => a.name).join(", ") || "none"}`
                : `obsolete attribute name, use ${alias.name}`;
        return [{ path: at, className, problem }];
    }
    // tryConstructor consumes constructor parameters first: a deprecated setter of the same name is never reached.
    const flags =
        attribute.from === "constructor"
            ? []
            : [
                  ...(attribute.deprecated ? ["is @Deprecated"] : []),
                  ...attribute.restricted.filter((r) => r !== "None").map((r) => `is @Restricted(${r})`),
              ];
    return [
        ...flags.map((flag) => ({
            path: at,
            className,
            problem: `the attribute ${flag} (${attribute.path} line ${attribute.line})`,
        })),
        ...checkValue(schema, attribute, value, at),
    ];
}

function checkValue(schema: CascSchema, attribute: CascAttribute, value: unknown, at: string): Finding[] {
    if (!attribute.multiple) return checkSingle(schema, attribute, value, at);
    if (!Array.isArray(value)) return [{ path: at, className: attribute.type, problem: "expected a list" }];
    return value.flatMap((item, i) => checkSingle(schema, attribute, item, `${at}[${i}]`));
}

function checkSingle(schema: CascSchema, attribute: CascAttribute, value: unknown, at: string): Finding[] {
    if (attribute.shape === "object") return checkObject(schema, value, attribute.type, at);
    if (attribute.shape === "describable") return checkDescribable(schema, value, attribute.type, at);
    return typeof value === "object" && value !== null
        ? [{ path: at, className: attribute.type, problem: "expected a scalar value" }]
        : [];
}

/** HeteroDescribableConfigurator: `{symbol: attributes}` or a bare `symbol`, looked up among the implementations of the place's type. */
function checkDescribable(schema: CascSchema, value: unknown, extensionPoint: string, at: string): Finding[] {
    const entry =
        typeof value === "string"
            ? ([value, undefined] as const)
            : isMapping(value) && Object.keys(value).length === 1
              ? Object.entries(value)[0]
              : undefined;
    if (entry === undefined)
        return [
            {
                path: at,
                className: extensionPoint,
                problem: "expected a symbol or a single-key mapping {symbol: attributes}",
            },
        ];
    const [symbol, sub] = entry;
    // Jenkins#getDescriptorList: only a class with a registered descriptor is an implementation.
    const implementations = Object.entries(schema.casc.classes).filter(
        ([, cls]) => !cls.abstract && cls.descriptor !== undefined && cls.supertypes.includes(extensionPoint),
    );
    const match = implementations.find(([fqn, cls]) => symbolsAt(cls, fqn, extensionPoint).includes(symbol));
    if (match === undefined) {
        const known = implementations.map(([fqn, cls]) => symbolsAt(cls, fqn, extensionPoint)[0]).join(", ");
        return [
            {
                path: `${at}.${symbol}`,
                className: extensionPoint,
                problem: `no implementation in jenkins/casc-schema.json has that symbol; known: ${known || "none"}`,
            },
        ];
    }
    const [fqn, cls] = match;
    const preferred = symbolsAt(cls, fqn, extensionPoint)[0];
    const obsolete =
        preferred === symbol
            ? []
            : [{ path: `${at}.${symbol}`, className: fqn, problem: `obsolete symbol, use ${preferred}` }];
    return [...obsolete, ...checkObject(schema, sub, fqn, `${at}.${symbol}`)];
}

/** An element of config.xml: its tag, its attributes, its child elements, and whether it holds text. */
interface XmlNode {
    tag: string;
    attributes: Record<string, string>;
    children: XmlNode[];
}

const xmlParser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    ignoreDeclaration: true,
    parseTagValue: false,
    trimValues: true,
});

function toNodes(parsed: Mapping[]): XmlNode[] {
    return parsed.flatMap((entry) => {
        const tag = Object.keys(entry).find((key) => key !== ":@");
        if (tag === undefined || tag === "#text") return [];
        const attributes = Object.fromEntries(
            Object.entries((entry[":@"] as Mapping | undefined) ?? {}).map(([name, value]) => [
                name.replace(/^@_/, ""),
                String(value),
            ]),
        );
        return [{ tag, attributes, children: toNodes(entry[tag] as Mapping[]) }];
    });
}

/** XStream's XmlFriendlyNameCoder: `_-` stands for `$`, `__` for `_`. */
function className(tag: string): string {
    return tag.replace(/_-/g, "$").replace(/__/g, "_");
}

/** A job's config.xml: the root alias, then every element that stands for a class, field by field. */
export function checkJobXml(schema: CascSchema, xml: string): Finding[] {
    const [root] = toNodes(xmlParser.parse(xml));
    const alias = root === undefined ? undefined : schema.xstream.aliases[root.tag];
    if (alias === undefined)
        return [
            { path: root?.tag ?? "", className: "(document)", problem: "the root element is no XStream alias of core" },
        ];
    return checkClassElement(schema, root, alias.class, root.tag);
}

function checkClassElement(schema: CascSchema, node: XmlNode, name: string, at: string): Finding[] {
    const cls = schema.xstream.classes[name];
    if (cls === undefined)
        return [
            {
                path: at,
                className: name,
                problem:
                    "class not in jenkins/casc-schema.json (add it to XSTREAM_CLASSES in jenkins/tools/extract-casc-schema.ts and regenerate)",
            },
        ];
    const findings: Finding[] = cls.deprecated
        ? [{ path: at, className: name, problem: "the class is @Deprecated" }]
        : [];
    for (const child of node.children) {
        const field = cls.fields.find((candidate) => candidate.name === child.tag);
        const where = `${at}/${child.tag}`;
        if (field === undefined)
            findings.push({
                path: where,
                className: name,
                problem: `no such field; ${name} has ${cls.fields.map((f) => f.name).join(", ") || "none"}`,
            });
        else if (field.deprecated)
            findings.push({
                path: where,
                className: name,
                problem: `the field is @Deprecated (${field.path} line ${field.line})`,
            });
        else findings.push(...checkField(schema, child, field, where));
    }
    return findings;
}

function checkField(schema: CascSchema, node: XmlNode, field: XStreamField, at: string): Finding[] {
    if (field.shape === "value")
        return node.children.length === 0
            ? []
            : [{ path: at, className: field.type, problem: "expected text, found elements" }];
    if (field.shape === "object") return checkTyped(schema, node, node.attributes.class ?? field.type, field.type, at);
    return node.children.flatMap((item) =>
        checkTyped(schema, item, item.attributes.class ?? className(item.tag), field.type, `${at}/${item.tag}`),
    );
}

/** An element holding an instance of `name` where the field's type is `declared`. */
function checkTyped(schema: CascSchema, node: XmlNode, name: string, declared: string, at: string): Finding[] {
    const cls = schema.xstream.classes[name];
    const where = node.attributes.class === undefined ? at : `${at}[${name}]`;
    if (cls !== undefined && name !== declared && !cls.supertypes.includes(declared))
        return [{ path: where, className: name, problem: `not a ${declared}` }];
    if (cls !== undefined && cls.abstract)
        return [{ path: where, className: name, problem: "abstract: the element needs a class attribute" }];
    return checkClassElement(schema, node, name, where);
}
