/**
 * Writes the single-engine graph the stack tests compare against (test/stack/fixtures/). Run it
 * only for a change meant to alter what a one-engine `pulumi up` creates, and review the diff.
 *   node --import tsx test/stack/support/writeGraphSnapshot.ts
 */
import * as fs from "node:fs";
import { graphSnapshot } from "./graphSnapshot";
import { runStack } from "./stackHarness";
import { simulatedProviders } from "./simulatedProviders";
import { singleEngineSnapshots } from "./singleEngineSnapshots";

async function main(): Promise<void> {
    for (const { file, config, secretKeys } of singleEngineSnapshots) {
        const run = await runStack(config, simulatedProviders, { secretKeys });
        fs.writeFileSync(file, `${JSON.stringify(graphSnapshot(run), null, 2)}\n`);
        console.log(`wrote ${file}`);
    }
}

void main();
