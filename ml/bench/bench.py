"""Benchmark of the model image: the original's three-script run (logreg, random split on
adult.csv, one process per script) against pipeline.py with each model, on the same data.

Every case runs in a fresh container; each Python process runs under /usr/bin/time inside it,
which gives its wall time and peak resident memory. Cases are interleaved and repeated
(median reported) because the host may be shared. Each model also runs the official split
once per seed in 1..--seeds, for the spread of its test accuracy. Exits 1 if the default
model's full gated run takes more than a quarter of the original's time, or if a repeat gives
different metrics.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
IMAGE_TAG = "adult-mlops-model:bench"
TIME_LIMIT = 0.25  # the default gated run's wall time over the original's
TEST_ROWS_OFFICIAL = 16281
OFFICIAL = {"RAW_DATA_FILE": "adult.data", "TEST_DATA_FILE": "adult.test"}
# Runs the named scripts in order, each under /usr/bin/time; timing lines go to stderr and the
# metadata files, compacted to one JSON line each, to stdout.
DRIVER = r"""
rc=0
for stage in "$@"; do
  /usr/bin/time -a -o /tmp/bench-times -f "bench $stage %e %M" python3 "$stage.py" || { rc=$?; break; }
done
for f in "$RESULTS_DIR"/train_metadata.json "$RESULTS_DIR"/test_metadata.json; do
  [ -f "$f" ] && tr -d ' \n' < "$f" && echo
done
cat /tmp/bench-times >&2
exit $rc
"""


@dataclass(frozen=True)
class Case:
    name: str
    model: str
    split: str
    env: dict[str, str]
    scripts: tuple[str, ...]

    @property
    def is_original(self) -> bool:
        return len(self.scripts) > 1


MODELS = ("xgb", "hgb", "logreg")  # MODELS[0] is the image's default
CASES = (
    Case("original (3 scripts)", "logreg", "random", {"MODEL": "logreg"}, ("preprocessing", "train", "gate", "test")),
    Case("pipeline (default)", MODELS[0], "random", {}, ("pipeline",)),
    *(Case("pipeline", model, "official", {"MODEL": model, **OFFICIAL}, ("pipeline",)) for model in MODELS),
)


@dataclass
class Measurement:
    metrics: tuple[float | None, float | None]
    stages: dict[str, float]
    total: float
    docker_wall: float
    peak_mb: float


@dataclass
class Result:
    case: Case
    runs: list[Measurement] = field(default_factory=list)

    def median(self, pick) -> float:
        return statistics.median(pick(run) for run in self.runs)


def build_image() -> None:
    built = subprocess.run(
        [
            "docker",
            "build",
            "--quiet",
            "--build-arg",
            "BASE_IMAGE=debian:trixie-slim",
            "--tag",
            IMAGE_TAG,
            str(REPO_ROOT / "ml"),
        ],
        capture_output=True,
        text=True,
    )
    if built.returncode != 0:
        sys.exit(f"bench: docker build failed:\n{built.stderr}")


def run_case(case: Case, data_dir: Path) -> Measurement:
    command = ["docker", "run", "--rm", "--network", "none", "-v", f"{data_dir}:/data:ro"]
    for name, value in case.env.items():
        command += ["-e", f"{name}={value}"]
    command += [IMAGE_TAG, "sh", "-c", DRIVER, "sh", *case.scripts]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    docker_wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"bench: {case.name} {case.model} {case.split} failed (exit {done.returncode}):\n{done.stderr}")
    return parse(case, done.stdout, done.stderr, docker_wall)


def parse(case: Case, stdout: str, stderr: str, docker_wall: float) -> Measurement:
    documents: dict[str, Any] = {}
    for line in stdout.splitlines():
        if line.startswith("{"):
            documents.update(json.loads(line))
    timings = [line.split() for line in stderr.splitlines() if line.startswith("bench ")]
    seconds = {name: float(elapsed) for _, name, elapsed, _ in timings}
    peak_kb = max(int(rss) for _, _, _, rss in timings)
    stages = seconds if case.is_original else documents["seconds"]
    return Measurement(
        metrics=(documents.get("validation_acc"), documents.get("test_acc")),
        stages={name: stages.get(name) or 0.0 for name in ("preprocessing", "train", "test")},
        total=sum(seconds.values()),
        docker_wall=docker_wall,
        peak_mb=peak_kb / 1024,
    )


def seed_spread(case: Case, data_dir: Path, seeds: int) -> list[float]:
    """The case's test accuracy with SEED=1..seeds (one run each)."""
    return [
        run_case(replace(case, env={**case.env, "SEED": str(seed)}), data_dir).metrics[1]
        for seed in range(1, seeds + 1)
    ]


def spread_lines(spreads: dict[str, list[float]]) -> list[str]:
    lines = [
        f"official split, test_acc over SEED=1..{len(next(iter(spreads.values())))} "
        f"(one test row = {1 / TEST_ROWS_OFFICIAL:.7f}):"
    ]
    for model, accuracies in spreads.items():
        low, high = min(accuracies), max(accuracies)
        lines.append(
            f"  {model:<7} min {low:.4f}  max {high:.4f}  mean {statistics.mean(accuracies):.4f}  "
            f"spread {high - low:.4f} ({round((high - low) * TEST_ROWS_OFFICIAL)} rows)"
        )
    return lines


def fmt(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(results: list[Result]) -> str:
    header = (
        "run",
        "model",
        "split",
        "val_acc",
        "test_acc",
        "prep s",
        "train s",
        "test s",
        "total s",
        "docker s",
        "peak MB",
    )
    rows = [header]
    for result in results:
        validation, test = result.runs[0].metrics
        rows.append(
            (
                result.case.name,
                result.case.model,
                result.case.split,
                fmt(validation, 4),
                fmt(test, 4),
                *(
                    fmt(result.median(lambda run, s=stage: run.stages[s]), 2)
                    for stage in ("preprocessing", "train", "test")
                ),
                fmt(result.median(lambda run: run.total), 2),
                fmt(result.median(lambda run: run.docker_wall), 2),
                fmt(result.median(lambda run: run.peak_mb), 0),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(width) if i < 3 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", default=str(REPO_ROOT / ".." / "shared" / "data"))
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the table shows medians (default 3)")
    parser.add_argument(
        "--seeds", type=int, default=5, help="seeds per model on the official split (default 5; 0: none)"
    )
    options = parser.parse_args()
    data_dir = Path(options.data_dir).resolve()
    for name in ("adult.csv", "adult.data", "adult.test"):
        if not (data_dir / name).is_file():
            sys.exit(f"bench: {data_dir / name} not found; pass the data folder as the first argument")
    build_image()
    results = [Result(case) for case in CASES]
    for repeat in range(options.repeat):
        for result in results:
            result.runs.append(run_case(result.case, data_dir))
        print(f"bench: repeat {repeat + 1}/{options.repeat} done", file=sys.stderr)
    spreads = {
        r.case.model: seed_spread(r.case, data_dir, options.seeds) for r in results if r.case.split == "official"
    }
    print(
        f"data: {data_dir}   host: {os.cpu_count()} CPUs   image: {IMAGE_TAG}   median of {options.repeat} run(s) per row"
    )
    print(table(results))
    print(
        "stage seconds: original = each script's process time (interpreter start and imports included, gate "
        "in total only); pipeline = in-process stage time, imports in total. total = all Python processes' "
        "wall time in the container; docker = `docker run` wall time on the host; peak = max RSS of one process."
    )
    if options.seeds > 0:
        print("\n".join(spread_lines(spreads)))
    return verdict(results)


def verdict(results: list[Result]) -> int:
    unstable = [r for r in results if len({run.metrics for run in r.runs}) > 1]
    original, default = results[0], results[1]
    ratio = default.median(lambda run: run.total) / original.median(lambda run: run.total)
    docker_ratio = default.median(lambda run: run.docker_wall) / original.median(lambda run: run.docker_wall)
    ok = ratio <= TIME_LIMIT and not unstable
    print(
        f"default gated run / original: {ratio:.2f} of the time in the container, {docker_ratio:.2f} with docker "
        f"start-up -> {'PASS' if ratio <= TIME_LIMIT else 'FAIL'} (limit {TIME_LIMIT:.2f})"
    )
    for result in unstable:
        print(f"FAIL: {result.case.name} {result.case.model} {result.case.split} gave different metrics across repeats")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
