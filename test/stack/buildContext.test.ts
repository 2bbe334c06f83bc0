/**
 * The docker provider rebuilds an image when its context digest changes (hashContext in
 * pulumi/pulumi-docker provider/provider.go: every file the .dockerignore lets through, by name,
 * mode and content). Each image's .dockerignore keeps the digest tied to what the Dockerfile copies,
 * so editing TypeScript, a test or a README rebuilds no image and reruns no pipeline.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { contextDigest, contextFiles } from "../support/buildContext";
import { repoRoot } from "../support/paths";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "build-context-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A copy of the image's context to edit; the Dockerfile stays the original's. */
function copyOf(context: string): string {
    const copy = fs.mkdtempSync(path.join(scratch, "ctx-"));
    fs.cpSync(path.join(repoRoot, context), copy, { recursive: true });
    return copy;
}

const digestOf = (copy: string, context: string) => contextDigest(copy, path.join(repoRoot, context, "Dockerfile"));

/** Each image's context, and one file its Dockerfile copies. */
const images: Array<{ context: string; copiedFile: string }> = [
    { context: "ml", copiedFile: "adult_pipeline/process/config.py" },
    { context: "jenkins", copiedFile: "plugins.txt" },
    { context: "jenkins/agent", copiedFile: "entrypoint.sh" },
];

/** Files that are not part of any image: project code, tests, docs. */
const unrelatedEdits: Array<[string, string]> = [
    ["README.md", "# edited\n"],
    ["render.ts", "export const edited = true;\n"],
    ["casc.ts", "// edited\n"],
    ["test/new.test.ts", "// a new test\n"],
    ["bench/notes.txt", "edited\n"],
];

for (const { context, copiedFile } of images) {
    describe(`the ${context}/ image's build context`, () => {
        it("has a .dockerignore and sends the file its Dockerfile copies", () => {
            assert.ok(fs.existsSync(path.join(repoRoot, context, ".dockerignore")));
            assert.ok(contextFiles(path.join(repoRoot, context)).includes(copiedFile));
        });

        it("keeps its digest when TypeScript, a test or a README changes", () => {
            const copy = copyOf(context);
            const before = digestOf(copy, context);
            for (const [file, content] of unrelatedEdits) {
                fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
                fs.appendFileSync(path.join(copy, file), content);
            }
            assert.equal(digestOf(copy, context), before);
        });

        it("changes its digest when a file the image copies changes", () => {
            const copy = copyOf(context);
            const before = digestOf(copy, context);
            fs.appendFileSync(path.join(copy, copiedFile), "\n");
            assert.notEqual(digestOf(copy, context), before);
        });
    });
}
