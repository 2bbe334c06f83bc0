"""promote.py: the stage scripts' run (the Jenkins chain) ends here, with the promotion and the metrics
line; stage timings were not measured, so its ``seconds`` hold nulls."""

from collections.abc import Mapping

from ..process import artifacts
from ..process.errors import EXIT_OK
from ..promotion import champion_challenger
from . import result_files, stages
from .metrics_line import MetricsLine, RunFigures, Seconds, as_json_line


def promote_main(env: Mapping[str, str]) -> int:
    with stages.running("promote", env) as settings:
        promotion = champion_challenger.load_promotion_settings(env)
        manifest = stages.read_manifest(settings)
        gate = stages.gate(settings)
        test_acc = artifacts.read_fraction(settings.paths.test_metadata, "test_acc", "test.py") if gate.passed else None
        run = RunFigures(
            gate.validation_acc,
            test_acc,
            gate.passed,
            settings.threshold,
            settings.model,
            settings.seed,
            settings.split,
            manifest.get("data"),
            manifest.get("rows"),
        )
        line = MetricsLine(run, Seconds(), champion_challenger.promote(settings, promotion, run))
        result_files.write_metrics(settings.paths, line)
        print(as_json_line(line))
    return EXIT_OK
