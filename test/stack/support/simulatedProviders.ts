import { createHash } from "node:crypto";
import { RecordedResource } from "./stackHarness";

/**
 * What the real providers compute that the program wires onward (generated secrets, key pairs,
 * image IDs), derived from the resource's name as a provider's state would keep them stable, so
 * the graph tests can check where each value goes. Commands print a metrics line of
 * the contract's shape; graph tests never assert on its figures.
 */
export function simulatedProviders(resource: RecordedResource): Record<string, unknown> {
    switch (resource.type) {
        case "random:index/randomPassword:RandomPassword":
            return { result: digestOf(`password:${resource.name}`).slice(0, 48) };
        case "tls:index/privateKey:PrivateKey":
            return {
                publicKeyOpenssh: `ssh-ed25519 PUBLIC-${resource.name}`,
                privateKeyOpenssh: `-----BEGIN OPENSSH PRIVATE KEY-----\nPRIVATE-${resource.name}\n-----END OPENSSH PRIVATE KEY-----\n`,
            };
        case "docker:index/image:Image":
            return { repoDigest: `sha256:${digestOf(`image:${resource.name}`)}` };
        case "command:local:Command":
            return resource.inputs.create ? { stdout: contractShapedMetricsLine, stderr: "" } : { stdout: "", stderr: "" };
        default:
            return {};
    }
}

function digestOf(text: string): string {
    return createHash("sha256").update(text).digest("hex");
}

const contractShapedMetricsLine = JSON.stringify({
    validation_acc: 0.5,
    test_acc: 0.5,
    gate_passed: true,
    threshold: 0.5,
    model: "hgb",
    seed: 42,
    split: "official",
    data: { raw_file: "adult.data", raw_sha256: "0", test_file: "adult.test", test_sha256: "0" },
    rows: { raw: 1, clean: 1, train: 1, test: 1 },
    seconds: { preprocessing: 0, train: 0, test: 0, total: 0 },
});
