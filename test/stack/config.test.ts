import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { configDefaults } from "../../config/stackConfig";
import { parseBindAddress, parseDataSource, parsePublicUrl, parseRepository, parseThreshold } from "../../config/validators";
import { repoRoot, sharedDataDir } from "../support/paths";
import { simulatedProviders } from "./support/simulatedProviders";
import { runStack } from "./support/stackHarness";

describe("Pulumi.yaml", () => {
    const project = parse(fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8"));

    it("declares every setting the program reads, with the program's default, a type and a description", () => {
        for (const [key, programDefault] of Object.entries(configDefaults)) {
            const declared = project.config[key];
            assert.ok(declared, `Pulumi.yaml has no config.${key}`);
            assert.equal(declared.default, programDefault, key);
            assert.equal(declared.type, "string", key);
            assert.ok(String(declared.description).length > 20, key);
        }
        assert.deepEqual(Object.keys(project.config).sort(), Object.keys(configDefaults).sort());
    });

    it("names the project and the TypeScript runtime", () => {
        assert.equal(project.name, "adult-mlops");
        assert.equal(project.runtime.name, "nodejs");
        assert.equal(project.runtime.options.typescript, true);
    });

    it("keeps only valid values in Pulumi.dev.yaml", () => {
        const dev = parse(fs.readFileSync(path.join(repoRoot, "Pulumi.dev.yaml"), "utf8")).config;
        for (const key of Object.keys(dev)) {
            assert.ok(key.replace("adult-mlops:", "") in configDefaults, key);
        }
        parseThreshold(dev["adult-mlops:threshold"]);
        parseBindAddress(dev["adult-mlops:jenkinsBindAddress"]);
    });
});

describe("setting validation", () => {
    const rejects = (fn: () => unknown, key: string) => assert.throws(fn, new RegExp(`adult-mlops:${key} = `));

    it("accepts thresholds from 0 to 1 and nothing else", () => {
        assert.equal(parseThreshold("0"), 0);
        assert.equal(parseThreshold("0.85"), 0.85);
        assert.equal(parseThreshold("1"), 1);
        for (const bad of ["", " ", "1.01", "-0.1", "abc", "NaN", "Infinity", "0.8x"]) {
            rejects(() => parseThreshold(bad), "threshold");
        }
    });

    it("refuses webhook URLs GitHub cannot reach", () => {
        assert.equal(parsePublicUrl("https://ci.example.com"), "https://ci.example.com/");
        assert.equal(parsePublicUrl("https://abc.trycloudflare.com/jenkins/"), "https://abc.trycloudflare.com/jenkins/");
        for (const bad of ["http://localhost:8080/", "http://127.0.0.1:8080", "http://10.1.2.3/", "http://192.168.1.5/", "http://172.20.0.1/", "http://[::1]:8080/", "ftp://example.com/", "example.com", "https://x.example.com/?a=b"]) {
            rejects(() => parsePublicUrl(bad), "jenkinsPublicUrl");
        }
    });

    it("takes repositories as owner/name only", () => {
        assert.deepEqual(parseRepository("octocat/hello-world"), { owner: "octocat", name: "hello-world" });
        for (const bad of ["hello-world", "octocat/", "/x", "a/b/c", "octo cat/x", "-bad/x", "octocat/.."]) {
            rejects(() => parseRepository(bad), "githubRepository");
        }
    });

    it("takes a data directory that exists, or an http(s) URL", () => {
        assert.deepEqual(parseDataSource(sharedDataDir, repoRoot), { kind: "directory", path: sharedDataDir });
        assert.equal(parseDataSource("https://example.org/adult.zip", repoRoot).kind, "url");
        rejects(() => parseDataSource("no/such/dir", repoRoot), "dataSource");
        rejects(() => parseDataSource("s3://bucket/adult.zip", repoRoot), "dataSource");
    });
});

describe("a bad setting fails the preview, naming the key, the value and what is allowed", () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
        ["threshold", { threshold: "1.5" }, /adult-mlops:threshold = "1\.5": expected a number from 0 to 1/],
        ["model", { model: "svm" }, /adult-mlops:model = "svm": expected one of hgb, logreg/],
        ["jenkinsPort", { jenkinsPort: "80800" }, /adult-mlops:jenkinsPort = "80800": expected a TCP port/],
        ["jenkinsBindAddress", { jenkinsBindAddress: "everywhere" }, /adult-mlops:jenkinsBindAddress = "everywhere"/],
        ["jenkinsPublicUrl missing", { githubRepository: "octocat/x" }, /adult-mlops:jenkinsPublicUrl = "": expected the public URL/],
        ["jenkinsPublicUrl local", { githubRepository: "octocat/x", jenkinsPublicUrl: "http://localhost:8080" }, /adult-mlops:jenkinsPublicUrl = "http:\/\/localhost:8080"/],
        ["rawDataFile", { dataSource: sharedDataDir, rawDataFile: "missing.csv" }, /adult-mlops:rawDataFile = "missing\.csv": expected a file that exists/],
        ["rawDataFile with a URL", { rawDataFile: "adult.csv" }, /adult-mlops:rawDataFile = "adult\.csv": expected adult\.data/],
        ["failOnGate", { failOnGate: "yes" }, /adult-mlops:failOnGate = "yes": expected true or false/],
    ];
    for (const [name, config, message] of cases) {
        it(name, async () => {
            await assert.rejects(runStack(config, simulatedProviders), (error: Error) => {
                assert.match(error.message, message);
                assert.doesNotMatch(error.message, /\n\s+at /, "a message, not a stack trace");
                return true;
            });
        });
    }
});
