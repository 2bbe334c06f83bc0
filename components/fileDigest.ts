import { createHash } from "node:crypto";
import * as fs from "node:fs";

export function sha256OfFile(file: string): string {
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}
