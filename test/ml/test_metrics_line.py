"""The metrics line has one typed builder: its fields are the contract's, in the contract's order."""

import json
from dataclasses import fields

from adult_pipeline import contract
from adult_pipeline.run import metrics_line
from adult_pipeline.run.metrics_line import PromotionOutcome, RegistryEntry, RunFigures, Seconds

RUN = RunFigures(
    0.85,
    None,
    False,
    0.9,
    "hgb",
    7,
    "random",
    {"raw_file": "/data/a.csv", "raw_sha256": "ab", "test_file": None, "test_sha256": None},
    {"raw": 10, "clean": 10, "train": 7, "test": 3},
)
NOT_RECORDED = PromotionOutcome(False, None, None, RegistryEntry(None, "not recorded", "no registry", None), None)


def test_the_builders_fields_are_the_contracts_metrics_fields() -> None:
    parts = (metrics_line.RunFigures, metrics_line.Seconds, metrics_line.PromotionOutcome)
    names = [field.name for field in fields(parts[0])] + ["seconds"] + [field.name for field in fields(parts[2])]
    assert names == list(contract.METRICS_FIELDS)


def test_the_line_is_the_run_then_the_seconds_then_the_promotion() -> None:
    line = metrics_line.MetricsLine(RUN, Seconds(train=1.5), NOT_RECORDED)
    printed = json.loads(metrics_line.as_json_line(line))
    assert list(printed) == list(contract.METRICS_FIELDS)
    assert printed["seconds"] == {"preprocessing": None, "train": 1.5, "test": None, "total": None}
    assert printed["registry"] == {"version": None, "verdict": "not recorded", "reason": "no registry", "report": None}
    assert (printed["validation_acc"], printed["test_acc"], printed["gate_passed"], printed["seed"]) == (
        0.85,
        None,
        False,
        7,
    )
    assert printed == metrics_line.as_json_object(line)
