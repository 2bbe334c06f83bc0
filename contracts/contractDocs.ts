/**
 * The model image's contract as the READMEs show it: tables rendered from ml/adult_pipeline/contract.json
 * between `<!-- contract:NAME -->` and `<!-- /contract:NAME -->`. `npm run docs` rewrites them;
 * test/contracts/modelImage.test.ts fails while a README's table is not the rendered one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import contract from "../ml/adult_pipeline/contract.json";

/** The READMEs, relative to the repository, that show the contract's tables. */
export const CONTRACT_DOCUMENTS = ["ml/README.md", "README.md"] as const;

function table(header: string[], rows: string[][]): string {
    const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
    return [line(header), `|${header.map(() => "---").join("|")}|`, ...rows.map(line)].join("\n");
}

const TABLES: Record<string, () => string> = {
    environment: () =>
        table(
            ["variable", "image default", "meaning"],
            Object.entries(contract.environment).map(([name, variable]) => [
                `\`${name}\``,
                variable.default === "" ? "*(empty)*" : `\`${variable.default}\``,
                variable.meaning,
            ]),
        ),
    "exit-statuses": () =>
        table(
            ["code", "meaning"],
            [
                ...Object.values(contract.exitStatus).map((status) => [String(status.code), status.meaning]),
                ...Object.values(contract.callerExitStatus).map((status) => [
                    String(status.code),
                    `caller: ${status.meaning}`,
                ]),
            ],
        ),
    "metrics-fields": () =>
        table(
            ["key", "type", "meaning"],
            Object.entries(contract.metricsFields).map(([name, field]) => [`\`${name}\``, field.type, field.meaning]),
        ),
};

const REGION = /(<!-- contract:([a-z-]+) -->\n)[\s\S]*?(\n<!-- \/contract:\2 -->)/g;

/** `markdown` with every contract region holding its rendered table; an unknown region name is an error. */
export function renderContractTables(markdown: string, file: string): string {
    return markdown.replace(REGION, (_match, open: string, name: string, close: string) => {
        const render = TABLES[name];
        if (render === undefined) {
            throw new Error(
                `${file}: <!-- contract:${name} --> names no table of the contract; expected one of ${Object.keys(TABLES).join(", ")}`,
            );
        }
        return `${open}${render()}${close}`;
    });
}

/** The names of the contract regions `markdown` holds, in order. */
export function contractRegions(markdown: string): string[] {
    return [...markdown.matchAll(REGION)].map((match) => match[2]);
}

function main(repoRoot: string): void {
    for (const file of CONTRACT_DOCUMENTS) {
        const fullPath = path.join(repoRoot, file);
        const before = fs.readFileSync(fullPath, "utf8");
        const after = renderContractTables(before, file);
        if (after !== before) {
            fs.writeFileSync(fullPath, after);
            console.log(`${file}: contract tables rewritten`);
        }
    }
}

if (require.main === module) {
    main(path.join(__dirname, ".."));
}
