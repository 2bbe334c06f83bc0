import { z } from "zod";
import { METRICS_FIELDS, REGISTRY_VERDICTS } from "./modelImage";

const fraction = z.number().min(0).max(1);
const count = z.number().int().nonnegative();
/** Null where the stage scripts ran one by one (Jenkins' promote.py) and nothing timed them. */
const duration = z.number().nonnegative().nullable();
const rateOrNull = fraction.nullable();

const championFigures = z.strictObject({ version: count, validation_acc: fraction, test_acc: fraction.nullable() });

/** DVC's `metrics diff` entry: new - old. */
const metricDiff = z.strictObject({
    old: z.number().nullable(),
    new: z.number().nullable(),
    diff: z.number().nullable(),
});

const groupFairness = z.strictObject({
    groups: z.record(
        z.string(),
        z.strictObject({
            size: count,
            positives: count,
            accuracy: rateOrNull,
            selection_rate: rateOrNull,
            tpr: rateOrNull,
            fpr: rateOrNull,
        }),
    ),
    demographic_parity_difference: z.number().nullable(),
    equalized_odds_difference: z.number().nullable(),
});

/** A path relative to the registry's versions folder: never absolute, never climbing out. */
const reportPath = z
    .string()
    .refine(
        (report) => !report.startsWith("/") && !report.split("/").includes(".."),
        "not a path inside the registry's versions folder",
    );

const registryEntry = z
    .strictObject({
        version: count.nullable(),
        verdict: z.enum(REGISTRY_VERDICTS as [string, ...string[]]),
        reason: z.string(),
        report: reportPath.nullable(),
    })
    .refine((entry) => (entry.verdict === "not recorded") === (entry.version === null), {
        message: 'a version is null exactly when the verdict is "not recorded" (a build host without the registry)',
        path: ["version"],
    });

const metricsShape = {
    validation_acc: fraction,
    test_acc: fraction.nullable(),
    gate_passed: z.boolean(),
    threshold: fraction,
    model: z.string(),
    seed: count,
    split: z.enum(["random", "official"]),
    data: z.strictObject({
        raw_file: z.string(),
        raw_sha256: z.string(),
        test_file: z.string().nullable(),
        test_sha256: z.string().nullable(),
    }),
    rows: z.strictObject({ raw: count, clean: count, train: count, test: count }),
    seconds: z.strictObject({ preprocessing: duration, train: duration, test: duration, total: duration }),
    promoted: z.boolean(),
    champion: championFigures.nullable(),
    delta_vs_champion: z.record(z.string(), metricDiff).nullable(),
    registry: registryEntry,
    groups: z.record(z.string(), groupFairness).nullable(),
} satisfies Record<(typeof METRICS_FIELDS)[number], z.ZodType>;

/** The metrics line's schema: the contract's fields (ml/adult_pipeline/contract.json), their types and how they agree. */
export const pipelineMetricsSchema = z
    .strictObject(metricsShape)
    .refine((metrics) => (metrics.test_acc === null) !== metrics.gate_passed, {
        message: "a number after a passed gate and null after a failed one",
        path: ["test_acc"],
    })
    .refine((metrics) => metrics.promoted === (metrics.registry.verdict === "promoted"), {
        message: "true exactly when registry.verdict is promoted",
        path: ["promoted"],
    });

/** The figures the model image's gated run prints as the last line of its stdout (ml/README.md). */
export type PipelineMetrics = z.infer<typeof pipelineMetricsSchema>;
export type ChampionFigures = z.infer<typeof championFigures>;
export type MetricDiff = z.infer<typeof metricDiff>;

/** Reads the metrics line out of the gated run's stdout, refusing anything that breaks the contract. */
export function parsePipelineMetrics(stdout: string): PipelineMetrics {
    const lastLine = stdout.trimEnd().split("\n").pop() ?? "";
    const shown = JSON.stringify(lastLine.slice(0, 200));
    let value: unknown;
    try {
        value = JSON.parse(lastLine);
    } catch {
        throw new Error(`the gated run's last stdout line is not JSON: ${shown}`);
    }
    const result = pipelineMetricsSchema.safeParse(value);
    if (!result.success) {
        const problems = result.error.issues.map(
            (issue) => `${issue.path.length > 0 ? issue.path.join(".") : "the line"}: ${issue.message}`,
        );
        throw new Error(
            `the gated run's metrics line breaks the contract (ml/README.md, "The gated run"): ${problems.join("; ")}; the line: ${shown}`,
        );
    }
    return result.data;
}
