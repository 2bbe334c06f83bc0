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
};
