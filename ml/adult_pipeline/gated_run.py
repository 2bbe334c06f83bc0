"""The gated run behind ``pipeline.py``: preprocess -> train -> gate -> test in one process,
summarised as one JSON object (the last line of stdout)."""

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from . import promote_stage, stages
from .errors import EXIT_GATE_FAILED, EXIT_OK

Clock = Callable[[], float]


def timed(clock: Clock, action: Callable[[], Any]) -> tuple[Any, float]:
    started = clock()
    result = action()
    return result, round(clock() - started, 3)


def run_gated(env: Mapping[str, str], started: float, clock: Clock = time.perf_counter) -> tuple[dict[str, Any], int]:
    """Runs every stage and the promotion; returns the summary and the exit code (0 passed, 3 gate failed).
    ``started`` is the clock reading the total counts from. A stop removes every output of the run."""
    with stages.running("preprocessing", env) as settings:
        promotion = promote_stage.load_promotion_settings(env)
        prepared, preprocessing_seconds = timed(clock, lambda: stages.preprocess(settings))
        print(stages.describe_prepared(prepared))
        validation_acc, train_seconds = timed(clock, lambda: stages.train(settings))
        print(stages.describe_training(settings, validation_acc))
        gate = stages.gate(settings)
        print(gate.describe())
        test_acc, test_seconds = timed(clock, lambda: stages.evaluate(settings)) if gate.passed else (None, None)
    if test_acc is not None:
        print(stages.describe_test(test_acc))
    summary = {
        "validation_acc": validation_acc,
        "test_acc": test_acc,
        "gate_passed": gate.passed,
        "threshold": settings.threshold,
        "model": settings.model,
        "seed": settings.seed,
        "split": settings.split,
        "data": prepared.data,
        "rows": prepared.rows,
        "seconds": {
            "preprocessing": preprocessing_seconds,
            "train": train_seconds,
            "test": test_seconds,
            "total": None,
        },
    }
    summary.update(promote_stage.promote(settings, promotion, summary))
    summary["seconds"]["total"] = round(clock() - started, 3)
    promote_stage.write_metrics(settings, summary)
    return summary, EXIT_OK if gate.passed else EXIT_GATE_FAILED


def summary_line(summary: Mapping[str, Any]) -> str:
    return json.dumps(summary, separators=(", ", ": "))
