"""pipeline.py, the image's default command: the gated run, preprocess -> train -> gate -> test -> promotion
in one process, summarised as the metrics line (the last line of stdout)."""

import time
from collections.abc import Callable, Mapping
from typing import Any

from ..process.errors import EXIT_GATE_FAILED, EXIT_OK
from ..promotion import champion_challenger
from . import result_files, stages
from .metrics_line import MetricsLine, RunFigures, Seconds, as_json_line

Clock = Callable[[], float]


def timed(clock: Clock, action: Callable[[], Any]) -> tuple[Any, float]:
    started = clock()
    result = action()
    return result, round(clock() - started, 3)


def run_gated(env: Mapping[str, str], started: float, clock: Clock = time.perf_counter) -> tuple[MetricsLine, int]:
    """Runs every stage and the promotion; returns the metrics line and the exit code (0 passed, 3 gate failed).
    ``started`` is the clock reading the total counts from. A stop removes every output of the run."""
    with stages.running("preprocessing", env) as settings:
        promotion = champion_challenger.load_promotion_settings(env)
        prepared, preprocessing_seconds = timed(clock, lambda: stages.preprocess(settings))
        print(stages.describe_prepared(prepared))
        validation_acc, train_seconds = timed(clock, lambda: stages.train(settings))
        print(stages.describe_training(settings, validation_acc))
        gate = stages.gate(settings)
        print(gate.describe())
        test_acc, test_seconds = timed(clock, lambda: stages.evaluate(settings)) if gate.passed else (None, None)
    if test_acc is not None:
        print(stages.describe_test(test_acc))
    run = RunFigures(
        validation_acc,
        test_acc,
        gate.passed,
        settings.threshold,
        settings.model,
        settings.seed,
        settings.split,
        prepared.data,
        prepared.rows,
    )
    outcome = champion_challenger.promote(settings, promotion, run)
    seconds = Seconds(preprocessing_seconds, train_seconds, test_seconds, round(clock() - started, 3))
    line = MetricsLine(run, seconds, outcome)
    result_files.write_metrics(settings.paths, line)
    return line, EXIT_OK if gate.passed else EXIT_GATE_FAILED


def pipeline_main(env: Mapping[str, str], started: float) -> int:
    """pipeline.py: the gated run, then its metrics line as the last line of stdout."""
    line, exit_code = run_gated(env, started)
    print(as_json_line(line))
    return exit_code
