"""The metrics line: the one JSON object pipeline.py and promote.py print last and write to
RESULTS_DIR/metrics.json. Its fields, in order, are contract.METRICS_FIELDS; ``MetricsLine`` is the
one type that builds it, from what the run measured and what the promotion decided (or, with
no registry here, that nothing was recorded)."""

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class RunFigures:
    """What the stages measured and the settings they ran with."""

    validation_acc: float
    test_acc: float | None  # None: the gate failed, the test stage did not run
    gate_passed: bool
    threshold: float
    model: str
    seed: int
    split: str
    data: Mapping[str, str | None]
    rows: Mapping[str, int]


@dataclass(frozen=True)
class Seconds:
    """Stage timings; all None when the stage scripts ran one by one (promote.py), where they are not measured."""

    preprocessing: float | None = None
    train: float | None = None
    test: float | None = None
    total: float | None = None


@dataclass(frozen=True)
class RegistryEntry:
    """``version`` None and ``verdict`` "not recorded": no registry here."""

    version: int | None
    verdict: str  # "promoted", "rejected" or "not recorded"
    reason: str
    report: str | None  # the report's path in the registry, None when none was written


@dataclass(frozen=True)
class PromotionOutcome:
    promoted: bool
    champion: Mapping[str, Any] | None  # the champion after this run: version, validation_acc, test_acc
    delta_vs_champion: Mapping[str, Any] | None  # rule.metrics_diff against the champion before this run
    registry: RegistryEntry
    groups: Mapping[str, Any] | None  # fairness.fairness_figures of the challenger, None without a test stage


@dataclass(frozen=True)
class MetricsLine:
    """The line's three parts; its JSON is their fields flattened, in the contract's order."""

    run: RunFigures
    seconds: Seconds
    outcome: PromotionOutcome


def as_json_object(line: MetricsLine) -> dict[str, Any]:
    return {**asdict(line.run), "seconds": asdict(line.seconds), **asdict(line.outcome)}


def as_json_line(line: MetricsLine) -> str:
    return json.dumps(as_json_object(line), separators=(", ", ": "))
