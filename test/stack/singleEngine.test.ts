import assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, it } from "node:test";
import { graphSnapshot } from "./support/graphSnapshot";
import { singleEngineSnapshots } from "./support/singleEngineSnapshots";
import { runStack } from "./support/stackHarness";
import { simulatedProviders } from "./support/simulatedProviders";

// The snapshots were written by the program as it was before build hosts existed, and rewritten once
// since, for changes meant to reach every stack (each image's build platform, the containers' stop
// grace, the secret files' mode, the jobs' build discarder, the crumb issuer without a removed
// attribute, the prediction service and its exit status in every caller's environment; git log
// test/stack/fixtures/), and once for the login key made by Jenkins rather than its first agent: a new
// parent, with an alias of its old place, so the same key (the only change; the aliases of docker.Image
// are the docker package's own, recorded since). single-engine-default.json (the defaults alone, so a URL
// source) was written by the program at 2e58773, before a signed data URL was kept secret: a URL
// without a query string must give the graph it gave. With buildHosts unset, `pulumi up` must create exactly
// that graph and those outputs. Catches an explicit provider, a renamed resource, an extra output or
// a changed input in one-engine mode.
describe("with one Docker engine (buildHosts unset), the graph and outputs are the snapshot's", () => {
    for (const { file, config, secretKeys } of singleEngineSnapshots) {
        it(file.replace(/^.*\//, ""), async () => {
            const run = await runStack(config, simulatedProviders, { secretKeys });
            assert.deepEqual(graphSnapshot(run), JSON.parse(fs.readFileSync(file, "utf8")));
        });
    }
});
