import { createHash } from "node:crypto";
import { contractShapedMetrics } from "../../contracts/metricsFixture";
import { RecordedResource, revealed } from "./stackHarness";

/**
 * What the real providers compute that the program wires onward (generated secrets, key pairs,
 * image IDs), derived from the resource's name as a provider's state would keep them stable, so
 * the graph tests can check where each value goes. Commands print a metrics line of
 * the contract's shape; graph tests never assert on its figures. The prediction service's start prints
 * its line, serving the champion that metrics line names (the registry's pointer after the run).
 */
export function simulatedProviders(resource: RecordedResource): Record<string, unknown> {
    switch (resource.type) {
        case "random:index/randomPassword:RandomPassword":
            return { result: digestOf(`password:${resource.name}`).slice(0, 48) };
        case "tls:index/privateKey:PrivateKey":
            return {
                publicKeyOpenssh: openSshEd25519PublicKey(`key:${resource.name}`),
                privateKeyOpenssh: `-----BEGIN OPENSSH PRIVATE KEY-----\nPRIVATE-${resource.name}\n-----END OPENSSH PRIVATE KEY-----\n`,
            };
        case "docker:index/image:Image":
            return { repoDigest: `sha256:${digestOf(`image:${resource.name}`)}` };
        case "command:local:Command":
            if (String(resource.inputs.create).endsWith("model-service.sh start")) {
                return { stdout: servedModelLine(revealed(resource.inputs.environment)), stderr: "" };
            }
            return resource.inputs.create
                ? { stdout: contractShapedMetricsLine, stderr: "" }
                : { stdout: "", stderr: "" };
        default:
            return {};
    }
}

function digestOf(text: string): string {
    return createHash("sha256").update(text).digest("hex");
}

/** A public key in OpenSSH's wire format (length-prefixed type and 32 key bytes), as tls returns it. */
export function openSshEd25519PublicKey(seed: string): string {
    const lengthPrefixed = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
    const blob = Buffer.concat([
        lengthPrefixed(Buffer.from("ssh-ed25519")),
        lengthPrefixed(Buffer.from(digestOf(seed), "hex")),
    ]);
    return `ssh-ed25519 ${blob.toString("base64")}\n`;
}

const contractShapedMetricsLine = JSON.stringify(contractShapedMetrics);

function servedModelLine(environment: Record<string, string>): string {
    const version = contractShapedMetrics.champion?.version ?? null;
    return JSON.stringify({
        url: `http://127.0.0.1:${environment.SERVE_HOST_PORT}`,
        version,
        model: version === null ? null : contractShapedMetrics.model,
    });
}
