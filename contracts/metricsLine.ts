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
    /** Null where the stage scripts ran one by one (Jenkins' promote.py) and nothing timed them. */
    seconds: { preprocessing: number | null; train: number | null; test: number | null; total: number | null };
    /** Whether this run's model became the champion. */
    promoted: boolean;
    /** The champion after this run (this run's model when promoted); null while the registry has none. */
    champion: ChampionFigures | null;
    /** Metric by metric, the champion's (re-scored on this run's evaluation rows) against this run's; null for the first model. */
    delta_vs_champion: Record<string, MetricDiff> | null;
    /** Where this run's model went in the registry: its version, verdict and reason, its report relative to the versions folder. */
    registry: { version: number; verdict: "promoted" | "rejected"; reason: string; report: string | null };
    /** Per-group figures for sex and race; null when the test stage did not run. */
    groups: Record<string, GroupFairness> | null;
}

export interface ChampionFigures {
    version: number;
    validation_acc: number;
    test_acc: number | null;
}

/** DVC's `metrics diff` entry: new - old. */
export interface MetricDiff {
    old: number | null;
    new: number | null;
    diff: number | null;
}

export interface GroupFairness {
    groups: Record<string, { size: number; positives: number; accuracy: number | null; selection_rate: number | null; tpr: number | null; fpr: number | null }>;
    demographic_parity_difference: number | null;
    equalized_odds_difference: number | null;
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
    for (const group of ["data", "rows", "seconds", "registry"]) {
        asRecord(metrics[group], group);
    }
    for (const group of ["champion", "delta_vs_champion", "groups"]) {
        if (metrics[group] !== null) asRecord(metrics[group], group);
    }
    const registry = metrics.registry as Record<string, unknown>;
    if (!Number.isInteger(registry.version) || (registry.verdict !== "promoted" && registry.verdict !== "rejected")) {
        fail("registry", "{ version: an integer, verdict: promoted or rejected, ... }");
    }
    if (typeof metrics.promoted !== "boolean" || metrics.promoted !== (registry.verdict === "promoted")) {
        fail("promoted", "a boolean that agrees with registry.verdict");
    }
    if (registry.report !== null && (typeof registry.report !== "string" || registry.report.startsWith("/") || registry.report.split("/").includes(".."))) {
        fail("registry.report", "null or a path inside the registry's versions folder");
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
