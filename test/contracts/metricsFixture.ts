import { PipelineMetrics } from "../../contracts/metricsLine";

/** A metrics object of the gated run's contract shape (ml/README.md), with made-up figures. */
export const contractShapedMetrics: PipelineMetrics = {
    validation_acc: 0.86,
    test_acc: 0.87,
    gate_passed: true,
    threshold: 0.8,
    model: "hgb",
    seed: 42,
    split: "official",
    data: { raw_file: "adult.data", raw_sha256: "ab", test_file: "adult.test", test_sha256: "cd" },
    rows: { raw: 3, clean: 2, train: 2, test: 1 },
    seconds: { preprocessing: 1, train: 2, test: 0.5, total: 3.5 },
    promoted: true,
    champion: { version: 2, validation_acc: 0.86, test_acc: 0.87 },
    delta_vs_champion: { test_acc: { old: 0.86, new: 0.87, diff: 0.01 } },
    registry: { version: 2, verdict: "promoted", reason: "not worse", report: "2/report.html" },
    groups: {
        sex: {
            groups: { Male: { size: 1, positives: 0, accuracy: 1, selection_rate: 0, tpr: null, fpr: 0 } },
            demographic_parity_difference: 0,
            equalized_odds_difference: 0,
        },
    },
};
