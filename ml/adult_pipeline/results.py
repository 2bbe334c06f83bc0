"""The files a run leaves in RESULTS_DIR besides the stage metadata: the metrics JSON and the report."""

import os

from .config import Paths

METRICS_FILE = "metrics.json"
REPORT_FILE = "report.html"


def metrics_file(paths: Paths) -> str:
    return os.path.join(paths.results_dir, METRICS_FILE)


def report_file(paths: Paths) -> str:
    return os.path.join(paths.results_dir, REPORT_FILE)


def outputs(paths: Paths) -> tuple[str, ...]:
    return (metrics_file(paths), report_file(paths))
