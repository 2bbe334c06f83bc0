"""The files a run leaves in RESULTS_DIR besides the stage metadata: the metrics JSON and the report's files."""

import os

from . import report
from .config import Paths

METRICS_FILE = "metrics.json"


def metrics_file(paths: Paths) -> str:
    return os.path.join(paths.results_dir, METRICS_FILE)


def report_file(paths: Paths) -> str:
    return os.path.join(paths.results_dir, report.HTML_FILE)


def outputs(paths: Paths) -> tuple[str, ...]:
    return (metrics_file(paths), *(os.path.join(paths.results_dir, name) for name in report.FILE_NAMES))
