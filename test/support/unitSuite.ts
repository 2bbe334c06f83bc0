/**
 * `npm run test:node:unit`: every node test file that needs neither a Docker engine nor the Pulumi CLI,
 * loaded into this one process. A process per file (what `node --test` does, and `npm test` keeps)
 * starts tsx and @pulumi/pulumi again for each of some fifty files: a second of CPU each.
 * UNIT_SHARD=i/n loads every n-th file from the i-th (test/unit.sh runs the shards side by side).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "./paths";

const testDir = path.join(repoRoot, "test");
const unitFiles = fs
    .readdirSync(testDir, { recursive: true, encoding: "utf8" })
    .filter(
        (file) => file.endsWith(".test.ts") && !file.endsWith(".docker.test.ts") && !file.endsWith(".engine.test.ts"),
    )
    .sort();

const [shard, shards] = (process.env.UNIT_SHARD ?? "0/1").split("/").map(Number);
if (!Number.isInteger(shard) || !Number.isInteger(shards) || shard < 0 || shard >= shards) {
    throw new Error(`UNIT_SHARD=${process.env.UNIT_SHARD}: expected i/n with 0 <= i < n, such as 0/2`);
}
if (unitFiles.length < shards) {
    throw new Error(`only ${unitFiles.length} unit test files under ${testDir}, fewer than ${shards} shards`);
}
for (const file of unitFiles.filter((_, index) => index % shards === shard)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- each file registers its tests with node:test as it loads
    require(path.join(testDir, file));
}
