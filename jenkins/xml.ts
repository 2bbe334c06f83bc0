/** A minimal XML element tree, enough for Jenkins' job config.xml files. */
export interface XmlElement {
    tag: string;
    attributes?: Record<string, string>;
    /** Text content, or child elements; neither renders a self-closing tag. */
    content?: string | XmlElement[];
}

export function element(tag: string, content?: string | XmlElement[], attributes?: Record<string, string>): XmlElement {
    return { tag, content, attributes };
}

function escapeXml(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function renderElement(node: XmlElement, indent: string): string {
    const attributes = Object.entries(node.attributes ?? {})
        .map(([name, value]) => ` ${name}="${escapeXml(value)}"`)
        .join("");
    const open = `${indent}<${node.tag}${attributes}`;
    if (node.content === undefined || node.content.length === 0) {
        return `${open}/>`;
    }
    if (typeof node.content === "string") {
        return `${open}>${escapeXml(node.content)}</${node.tag}>`;
    }
    const children = node.content.map((child) => renderElement(child, `${indent}  `)).join("\n");
    return `${open}>\n${children}\n${indent}</${node.tag}>`;
}

/** The document as Jenkins itself writes it: XML 1.1 declaration, two-space indent. */
export function renderXmlDocument(root: XmlElement): string {
    return `<?xml version='1.1' encoding='UTF-8'?>\n${renderElement(root, "")}\n`;
}
