"""The files a run leaves in RESULTS_DIR besides the stage metadata: the metrics JSON and the report's files."""

import os

from ..evaluation import report
from ..process import artifacts
from ..process.config import Paths
from .metrics_line import MetricsLine, as_json_object

METRICS_FILE = "metrics.json"


def metrics_file(paths: Paths) -> str:
    return os.path.join(paths.results_dir, METRICS_FILE)


def report_file(paths: Paths) -> str:
    return os.path.join(paths.results_dir, report.HTML_FILE)


def outputs(paths: Paths) -> tuple[str, ...]:
    return (metrics_file(paths), *(os.path.join(paths.results_dir, name) for name in report.FILE_NAMES))


def write_metrics(paths: Paths, line: MetricsLine) -> None:
    artifacts.write_json(metrics_file(paths), as_json_object(line))
