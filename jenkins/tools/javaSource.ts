/**
 * A small reader of Java source declarations: enough to list a class's annotations, supertypes,
 * constructors, methods and fields with their modifiers and types, as written. It does not
 * parse statements; a method keeps only the text of its body. It relies on the code compiling
 * (balanced braces and parentheses), which is true of a released tag.
 */

export interface Annotation {
    /** As written: `Deprecated`, `Symbol`, `org.kohsuke.stapler.DataBoundConstructor`. */
    name: string;
    /** The text between the parentheses, comments removed; empty without arguments. */
    args: string;
}

export interface Parameter {
    name: string;
    /** As written, annotations removed: `List<? extends Node>`, `String...`. */
    type: string;
    annotations: Annotation[];
}

interface MemberBase {
    annotations: Annotation[];
    modifiers: string[];
    /** 1-based line of the declaration's first annotation or modifier. */
    line: number;
}

export interface Method extends MemberBase {
    kind: "method";
    name: string;
    returnType: string;
    parameters: Parameter[];
    /** The body's text (comments removed); undefined for an abstract or interface method. */
    body?: string;
}

export interface Constructor extends MemberBase {
    kind: "constructor";
    parameters: Parameter[];
}

export interface Field extends MemberBase {
    kind: "field";
    name: string;
    type: string;
}

export interface TypeDeclaration extends MemberBase {
    kind: "type";
    declarationKind: "class" | "interface" | "enum" | "record" | "annotation";
    name: string;
    /** The superclass of a class, the superinterfaces of an interface; generic arguments kept. */
    extends: string[];
    implements: string[];
    members: (Method | Constructor | Field)[];
    nested: TypeDeclaration[];
}

export interface CompilationUnit {
    packageName: string;
    imports: string[];
    types: TypeDeclaration[];
}

const MODIFIERS = new Set([
    "public",
    "protected",
    "private",
    "static",
    "final",
    "abstract",
    "synchronized",
    "native",
    "transient",
    "volatile",
    "default",
    "strictfp",
    "sealed",
    "non-sealed",
]);

/**
 * Two views of the same text, offsets aligned: `code` has comments blanked (newlines kept),
 * `masked` also has the contents of string and character literals blanked, so that braces,
 * parentheses and semicolons in it are the program's own.
 */
interface Views {
    code: string;
    masked: string;
}

function blank(text: string): string {
    return text.replace(/[^\n]/g, " ");
}

function views(source: string): Views {
    let code = "";
    let masked = "";
    let i = 0;
    while (i < source.length) {
        const rest = source.startsWith("//", i)
            ? "line"
            : source.startsWith("/*", i)
              ? "block"
              : source.startsWith('"""', i)
                ? "textBlock"
                : source[i] === '"' || source[i] === "'"
                  ? "literal"
                  : undefined;
        if (rest === undefined) {
            code += source[i];
            masked += source[i];
            i++;
            continue;
        }
        const end = literalEnd(source, i, rest);
        const piece = source.slice(i, end);
        if (rest === "line" || rest === "block") {
            code += blank(piece);
            masked += blank(piece);
        } else {
            code += piece;
            const quote = rest === "textBlock" ? 3 : 1;
            masked +=
                piece.slice(0, quote) +
                blank(piece.slice(quote, piece.length - quote)) +
                piece.slice(piece.length - quote);
        }
        i = end;
    }
    return { code, masked };
}

function literalEnd(source: string, start: number, kind: "line" | "block" | "textBlock" | "literal"): number {
    if (kind === "line") {
        const newline = source.indexOf("\n", start);
        return newline === -1 ? source.length : newline;
    }
    if (kind === "block") {
        return source.indexOf("*/", start + 2) + 2;
    }
    if (kind === "textBlock") {
        return source.indexOf('"""', start + 3) + 3;
    }
    const quote = source[start];
    let i = start + 1;
    while (i < source.length && source[i] !== quote) {
        i += source[i] === "\\" ? 2 : 1;
    }
    return i + 1;
}

/** Index of the character that closes the bracket opened at `open`. */
function closing(masked: string, open: number): number {
    const pairs: Record<string, string> = { "{": "}", "(": ")", "<": ">", "[": "]" };
    const opener = masked[open];
    const closer = pairs[opener];
    let depth = 0;
    for (let i = open; i < masked.length; i++) {
        if (masked[i] === opener) depth++;
        else if (masked[i] === closer && --depth === 0) return i;
    }
    throw new Error(`unbalanced ${opener} at offset ${open}`);
}

/** Splits at commas outside (), <>, [] and {}. */
export function splitTopLevel(text: string, separator = ","): string[] {
    const parts: string[] = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if ("(<[{".includes(c)) depth++;
        else if (")>]}".includes(c)) depth--;
        else if (c === separator && depth === 0) {
            parts.push(text.slice(start, i));
            start = i + 1;
        }
    }
    parts.push(text.slice(start));
    return parts.map((part) => part.trim()).filter((part) => part !== "");
}

/** A member's header (everything before its body or `;`) and its body's offsets, if any. */
interface RawMember {
    start: number;
    end: number;
    body?: { start: number; end: number };
}

/** True when the `{` at `at` opens an initializer (`= new X() {`, `= {1, 2}`, a lambda) rather than a body. */
function opensInitializer(masked: string, start: number, at: number): boolean {
    let depth = 0;
    for (let i = start; i < at; i++) {
        const c = masked[i];
        if (c === "(" || c === "<" || c === "[") depth++;
        else if (c === ")" || c === ">" || c === "]") depth--;
        else if (c === "=" && depth === 0 && masked[i + 1] !== "=" && !"!<>=".includes(masked[i - 1])) return true;
    }
    return false;
}

function rawMembers(masked: string, from: number, to: number): RawMember[] {
    const members: RawMember[] = [];
    let start = from;
    let parens = 0;
    for (let i = from; i < to; i++) {
        const c = masked[i];
        if (c === "(") parens++;
        else if (c === ")") parens--;
        else if (parens > 0) continue;
        else if (c === ";") {
            members.push({ start, end: i });
            start = i + 1;
        } else if (c === "{") {
            const close = closing(masked, i);
            if (!opensInitializer(masked, start, i)) {
                members.push({ start, end: i, body: { start: i + 1, end: close } });
                start = close + 1;
            }
            i = close;
        }
    }
    return members;
}

/** Leading annotations and modifiers of a header, in any order, and the offset after them. */
function prefix(
    code: string,
    masked: string,
    at: number,
    end: number,
): { annotations: Annotation[]; modifiers: string[]; rest: number } {
    const annotations: Annotation[] = [];
    const modifiers: string[] = [];
    let i = at;
    for (;;) {
        while (i < end && /\s/.test(masked[i])) i++;
        const annotation = /^@\s*([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*)/.exec(masked.slice(i, end));
        if (annotation !== null && !/^@\s*interface\b/.test(masked.slice(i, end))) {
            i += annotation[0].length;
            let j = i;
            while (j < end && /\s/.test(masked[j])) j++;
            let args = "";
            if (masked[j] === "(") {
                const close = closing(masked, j);
                args = code.slice(j + 1, close).trim();
                i = close + 1;
            }
            annotations.push({ name: annotation[1].replace(/\s+/g, ""), args });
            continue;
        }
        const word = /^[a-z-]+\b/.exec(masked.slice(i, end));
        if (word !== null && MODIFIERS.has(word[0])) {
            modifiers.push(word[0]);
            i += word[0].length;
            continue;
        }
        return { annotations, modifiers, rest: i };
    }
}

/** Removes type annotations (`@NonNull String`, `List<@CheckForNull X>`) and normalises spaces. */
export function cleanType(type: string): string {
    return type
        .replace(/@\s*[\w$.]+(\s*\([^)]*\))?/g, "")
        .replace(/\s+/g, " ")
        .replace(/\s*([<>,[\]?.])\s*/g, "$1")
        .replace(/,/g, ", ")
        .replace(/\?(extends|super)\s*/g, "? $1 ")
        .trim();
}

function parameters(code: string, masked: string, open: number): Parameter[] {
    const close = closing(masked, open);
    return splitTopLevel(masked.slice(open + 1, close)).map((piece) => {
        const offset = masked.indexOf(piece, open);
        const { annotations, rest } = prefix(code, masked, offset, offset + piece.length);
        const text = masked.slice(rest, offset + piece.length).trim();
        const name = /([A-Za-z_$][\w$]*)\s*$/.exec(text)?.[1] ?? "";
        return { name, type: cleanType(text.slice(0, text.length - name.length)), annotations };
    });
}

function lineAt(code: string, offset: number): number {
    let line = 1;
    for (let i = 0; i < offset; i++) if (code[i] === "\n") line++;
    return line;
}

/** `extends A<? extends B> implements C, D` -> { extends: "A<? extends B>", implements: "C, D" }: keywords outside <> only. */
function supertypeClauses(header: string): Record<string, string> {
    const clauses: Record<string, string> = {};
    let depth = 0;
    let current: string | undefined;
    let start = 0;
    for (let i = 0; i < header.length; i++) {
        if (header[i] === "<") depth++;
        else if (header[i] === ">") depth--;
        const keyword = depth === 0 ? /^(extends|implements|permits)\b/.exec(header.slice(i)) : null;
        if (keyword !== null && (i === 0 || /\s/.test(header[i - 1]))) {
            if (current !== undefined) clauses[current] = header.slice(start, i);
            current = keyword[1];
            start = i + keyword[1].length;
            i = start - 1;
        }
    }
    if (current !== undefined) clauses[current] = header.slice(start);
    return clauses;
}

function typeDeclaration(
    v: Views,
    raw: RawMember,
    head: ReturnType<typeof prefix>,
    line: number,
): TypeDeclaration | undefined {
    const header = v.masked.slice(head.rest, raw.end);
    const match = /^(class|interface|enum|record|@\s*interface)\s+([A-Za-z_$][\w$]*)/.exec(header);
    if (match === null || raw.body === undefined) return undefined;
    const declarationKind = match[1].startsWith("@") ? "annotation" : (match[1] as TypeDeclaration["declarationKind"]);
    let rest = header.slice(match[0].length);
    if (rest.trimStart().startsWith("<")) {
        const open = rest.indexOf("<");
        rest = rest.slice(closing(rest, open) + 1);
    }
    const clauses = supertypeClauses(rest);
    const clause = (keyword: string) => splitTopLevel(clauses[keyword] ?? "").map(cleanType);
    const body =
        declarationKind === "enum" ? { members: [], nested: [] } : typeBody(v, raw.body.start, raw.body.end, match[2]);
    return {
        kind: "type",
        declarationKind,
        name: match[2],
        extends: clause("extends"),
        implements: clause("implements"),
        annotations: head.annotations,
        modifiers: head.modifiers,
        line,
        ...body,
    };
}

function member(
    v: Views,
    raw: RawMember,
    className: string,
): Method | Constructor | Field | TypeDeclaration | undefined {
    const head = prefix(v.code, v.masked, raw.start, raw.end);
    const text = v.masked.slice(raw.start, raw.end);
    const line = lineAt(v.code, raw.start + text.length - text.trimStart().length);
    const declaration = typeDeclaration(v, raw, head, line);
    if (declaration !== undefined) return declaration;
    let header = v.masked.slice(head.rest, raw.end);
    if (header.trim() === "") return undefined; // an initializer block
    let offset = head.rest;
    if (header.trimStart().startsWith("<")) {
        const open = v.masked.indexOf("<", offset);
        offset = closing(v.masked, open) + 1;
        header = v.masked.slice(offset, raw.end);
    }
    const base = { annotations: head.annotations, modifiers: head.modifiers, line };
    const constructor = new RegExp(`^\\s*${className.replace(/\$/g, "\\$")}\\s*\\(`).exec(header);
    if (constructor !== null) {
        return {
            kind: "constructor",
            ...base,
            parameters: parameters(v.code, v.masked, offset + constructor[0].length - 1),
        };
    }
    const method = /^([\s\S]*?)\b([A-Za-z_$][\w$]*)\s*\(/.exec(header);
    const assignment = header.search(/=(?!=)/);
    if (method !== null && (assignment === -1 || assignment > method[0].length) && method[1].trim() !== "") {
        const open = offset + method[0].length - 1;
        return {
            kind: "method",
            ...base,
            name: method[2],
            returnType: cleanType(method[1]),
            parameters: parameters(v.code, v.masked, open),
            body: raw.body === undefined ? undefined : v.code.slice(raw.body.start, raw.body.end),
        };
    }
    return field(header, base);
}

/** The first declarator of a field declaration (`int a = 1, b` declares a; Jenkins' sources declare one per line). */
function field(header: string, base: MemberBase): Field | undefined {
    const declarator = splitTopLevel(header.split(/=(?!=)/)[0])[0] ?? "";
    const name = /([A-Za-z_$][\w$]*)\s*(\[\s*\])*\s*$/.exec(declarator)?.[1];
    if (name === undefined) return undefined;
    return { kind: "field", ...base, name, type: cleanType(declarator.slice(0, declarator.lastIndexOf(name))) };
}

function typeBody(v: Views, from: number, to: number, className: string): Pick<TypeDeclaration, "members" | "nested"> {
    const members: TypeDeclaration["members"] = [];
    const nested: TypeDeclaration[] = [];
    for (const raw of rawMembers(v.masked, from, to)) {
        const parsed = member(v, raw, className);
        if (parsed === undefined) continue;
        if (parsed.kind === "type") nested.push(parsed);
        else members.push(parsed);
    }
    return { members, nested };
}

export function parseCompilationUnit(source: string): CompilationUnit {
    const v = views(source);
    const packageName = /^\s*package\s+([\w.]+)\s*;/m.exec(v.masked)?.[1] ?? "";
    const imports = [...v.masked.matchAll(/^\s*import\s+(static\s+)?([\w.]+(?:\.\*)?)\s*;/gm)]
        .filter((m) => m[1] === undefined)
        .map((m) => m[2]);
    const afterImports = Math.max(
        0,
        ...[...v.masked.matchAll(/^\s*(?:package|import)\s[^;]*;/gm)].map((m) => (m.index ?? 0) + m[0].length),
    );
    const { nested } = typeBody(v, afterImports, v.masked.length, "");
    return { packageName, imports, types: nested };
}

/** The string literals in an annotation's arguments: `@Symbol({"ssh", "sSHLauncher"})` -> ssh, sSHLauncher. */
export function stringLiterals(args: string): string[] {
    return [...args.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
}

/** A generic type's raw name and arguments: `List<? extends Node>` -> List, [? extends Node]. */
export function typeArguments(type: string): { raw: string; args: string[] } {
    const open = type.indexOf("<");
    if (open === -1) return { raw: type.replace(/\s*(\[\]|\.\.\.)+$/, ""), args: [] };
    return { raw: type.slice(0, open).trim(), args: splitTopLevel(type.slice(open + 1, closing(type, open))) };
}
