import { METRICS_FIELDS } from "./modelImage";

/** The figures the model image's gated run prints as the last line of its stdout (ml/README.md). */
export interface PipelineMetrics {
    validation_acc: number;
    test_acc: number | null;
    gate_passed: boolean;
    threshold: number;
    model: string;
    seed: number;
    split: "random" | "official";
    data: { raw_file: string; raw_sha256: string; test_file: string | null; test_sha256: string | null };
    rows: { raw: number; clean: number; train: number; test: number };
    seconds: { preprocessing: number; train: number; test: number | null; total: number };
}

/** Reads the metrics line out of the gated run's stdout, refusing anything that breaks the contract. */
export function parsePipelineMetrics(stdout: string): PipelineMetrics {
    const lastLine = stdout.trimEnd().split("\n").pop() ?? "";
    let value: unknown;
    try {
        value = JSON.parse(lastLine);
    } catch {
        throw new Error(`the gated run's last stdout line is not JSON: ${JSON.stringify(lastLine.slice(0, 200))}`);
    }
    const metrics = asRecord(value, "metrics");
    const fields = Object.keys(metrics).sort();
    if (JSON.stringify(fields) !== JSON.stringify([...METRICS_FIELDS].sort())) {
        throw new Error(`the gated run's metrics line has the fields ${fields.join(", ")}; expected ${METRICS_FIELDS.join(", ")}`);
    }
    const fail = (field: string, expected: string): never => {
        throw new Error(`the gated run's metrics field ${field} is not ${expected}: ${JSON.stringify(lastLine.slice(0, 200))}`);
    };
    const fraction = (v: unknown, field: string): number =>
        typeof v === "number" && v >= 0 && v <= 1 ? v : fail(field, "a number from 0 to 1");
    const gatePassed = typeof metrics.gate_passed === "boolean" ? metrics.gate_passed : fail("gate_passed", "a boolean");
    const testAcc = gatePassed ? fraction(metrics.test_acc, "test_acc") : metrics.test_acc === null ? null : fail("test_acc", "null after a failed gate");
    for (const group of ["data", "rows", "seconds"]) {
        asRecord(metrics[group], group);
    }
    if (metrics.split !== "random" && metrics.split !== "official") {
        fail("split", '"random" or "official"');
    }
    return {
        ...(metrics as unknown as PipelineMetrics),
        validation_acc: fraction(metrics.validation_acc, "validation_acc"),
        test_acc: testAcc,
        gate_passed: gatePassed,
        threshold: fraction(metrics.threshold, "threshold"),
        model: typeof metrics.model === "string" ? metrics.model : fail("model", "a string"),
    };
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new Error(`the gated run's ${what} is not a JSON object`);
    }
    return value as Record<string, unknown>;
}
