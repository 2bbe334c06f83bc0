"""Benchmark of the prediction service (npm run bench:serve): serve.py in the model image, started with the
stack's hardened flags and limits (scripts/model-container.sh, Pulumi.yaml's modelMemoryLimit and
modelPidsLimit) and its default settings, serving a champion trained on the official split, loaded with
wrk over 127.0.0.1.

Prints a table: one client sending one row (p50, p99, requests/s), 64 clients (requests/s, p99), one
client sending 1,000 rows (p50), and the service's peak memory. Exits 1 when a target is missed or any
answer was not a 2xx. Usage: ml/bench/serve.sh [DATA_DIR] [--seconds N]
"""

import argparse
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench import IMAGE_TAG, REPO_ROOT, build_image

sys.path.insert(0, str(REPO_ROOT / "ml"))
from adult_pipeline.contract import ENVIRONMENT, EXIT_BAD_INPUT  # noqa: E402
from adult_pipeline.data.schema import CATEGORICAL_FEATURES, FEATURES, RAW_COLUMNS, normalize_column_name  # noqa: E402

NAME = "adult-mlops-bench-serve"
WRK_SCRIPT = Path(__file__).with_name("post.lua")
WARM_UP_SECONDS = 3
LARGE_ROWS = 1000


@dataclass(frozen=True)
class Scenario:
    name: str
    threads: int
    connections: int
    rows: int


@dataclass(frozen=True)
class Measured:
    requests: int
    bad_answers: int
    p50_ms: float
    p99_ms: float
    per_second: float


SCENARIOS = (
    Scenario("1 client, 1 row", 1, 1, 1),
    Scenario("64 clients, 1 row", 2, 64, 1),
    Scenario(f"1 client, {LARGE_ROWS} rows", 1, 1, LARGE_ROWS),
)
# (scenario, figure, target, whether larger is better)
TARGETS = (
    (SCENARIOS[0], "p50_ms", 2.0, False),
    (SCENARIOS[0], "p99_ms", 5.0, False),
    (SCENARIOS[1], "per_second", 1500.0, True),
    (SCENARIOS[1], "p99_ms", 100.0, False),
    (SCENARIOS[2], "p50_ms", 30.0, False),
)


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=1800)
    if check and result.returncode != 0:
        sys.exit(f"bench:serve: docker {args[0]} failed:\n{result.stderr}")
    return result


def stack_limits() -> dict[str, str]:
    """The stack's default limits of every model container (Pulumi.yaml's declarations)."""
    config = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())["config"]
    return {
        "MODEL_MEMORY_LIMIT": str(config["modelMemoryLimit"]["default"]),
        "MODEL_PIDS_LIMIT": str(config["modelPidsLimit"]["default"]),
    }


def hardened_run(*args: str) -> subprocess.CompletedProcess:
    """`docker run` with scripts/model-container.sh's flags, as every model container of the stack gets them."""
    script = 'source scripts/model-container.sh && docker run "${model_container_flags[@]}" "$@"'
    environment = {**os.environ, **stack_limits(), "BAD_SETTING_STATUS": str(EXIT_BAD_INPUT)}
    return subprocess.run(
        ["bash", "-c", script, "bash", *args],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1800,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_rows(data_dir: Path, count: int) -> dict[str, list]:
    """The first ``count`` rows of adult.test as columns, as a client would send them."""
    columns: dict[str, list] = {name: [] for name in FEATURES}
    with open(data_dir / "adult.test", encoding="utf-8", newline="") as handle:
        for fields in csv.reader(handle, skipinitialspace=True):
            if len(fields) != len(RAW_COLUMNS):
                continue
            record = dict(zip((normalize_column_name(name) for name in RAW_COLUMNS), fields, strict=False))
            for name in FEATURES:
                columns[name].append(record[name].strip() if name in CATEGORICAL_FEATURES else float(record[name]))
            if len(columns[FEATURES[0]]) == count:
                break
    return columns


def inference_body(columns: dict[str, list]) -> bytes:
    inputs = [
        {
            "name": name,
            "shape": [len(values)],
            "datatype": "BYTES" if name in CATEGORICAL_FEATURES else "FP64",
            "data": values,
        }
        for name, values in columns.items()
    ]
    return json.dumps({"inputs": inputs}).encode()


def wait_until_ready(port: int, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/health/ready", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(
        f"bench:serve: the service is not ready after {seconds:.0f} s:\n{docker('logs', NAME, check=False).stderr}"
    )


def run_wrk(scenario: Scenario, url: str, body_file: Path, seconds: int) -> Measured:
    command = [
        "wrk",
        f"-t{scenario.threads}",
        f"-c{scenario.connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(WRK_SCRIPT),
        url,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "BODY_FILE": str(body_file)}, timeout=seconds + 60
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        sys.exit(f"bench:serve: wrk failed:\n{done.stdout}{done.stderr}")
    requests, status_errors, socket_errors, p50, p99, duration = map(int, lines[0].split()[1:])
    return Measured(requests, status_errors + socket_errors, p50 / 1000, p99 / 1000, requests / (duration / 1e6))


def process_ids(container: str) -> list[int]:
    listing = docker("top", container, "-o", "pid", check=False).stdout.split()[1:]
    return [int(pid) for pid in listing if pid.isdigit()]


def proportional_resident_mib(pids: list[int]) -> float:
    """The processes' resident memory now, each shared page counted once (the sum of their Pss)."""
    total_kib = 0
    for pid in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        total_kib += next((int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0)
    return total_kib / 1024


def cgroup_peak_mib(container: str) -> float | None:
    """The container's cgroup peak (resident memory and page cache), from cgroup v2 or v1, when this host shows it."""
    full_id = docker("inspect", "--format", "{{.Id}}", container).stdout.strip()
    for path in (
        f"/sys/fs/cgroup/system.slice/docker-{full_id}.scope/memory.peak",
        f"/sys/fs/cgroup/docker/{full_id}/memory.peak",
        f"/sys/fs/cgroup/memory/docker/{full_id}/memory.max_usage_in_bytes",
    ):
        if os.path.exists(path):
            return int(Path(path).read_text()) / 2**20
    return None


def verdicts(results: dict[str, Measured]) -> list[tuple[str, str, str, bool]]:
    rows = []
    for scenario, figure, target, larger_is_better in TARGETS:
        value = getattr(results[scenario.name], figure)
        met = value >= target if larger_is_better else value <= target
        label = {"p50_ms": "p50 ms", "p99_ms": "p99 ms", "per_second": "requests/s"}[figure]
        rows.append(
            (
                f"{scenario.name}: {label}",
                f"{value:.2f}" if figure != "per_second" else f"{value:.0f}",
                f"{'>=' if larger_is_better else '<='} {target:g}",
                met,
            )
        )
    return rows


def table(results: dict[str, Measured], resident: float, cgroup_peak: float | None, workers: str) -> str:
    lines = ["| scenario | requests | p50 ms | p99 ms | requests/s |", "|---|---|---|---|---|"]
    lines += [
        f"| {name} | {m.requests} | {m.p50_ms:.2f} | {m.p99_ms:.2f} | {m.per_second:.0f} |"
        for name, m in results.items()
    ]
    lines += ["", "| target | measured | wanted | met |", "|---|---|---|---|"]
    lines += [
        f"| {what} | {value} | {wanted} | {'yes' if met else 'NO'} |" for what, value, wanted, met in verdicts(results)
    ]
    peak = (
        f"{cgroup_peak:.0f} MiB at the peak (the container's cgroup, what its memory limit counts, page cache included); "
        if cgroup_peak is not None
        else ""
    )
    lines += [
        "",
        f"memory: {peak}{resident:.0f} MiB resident after the runs ({workers} server processes and their supervisor, shared pages counted once)",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", default=str(REPO_ROOT / ".." / "shared" / "data"))
    parser.add_argument("--seconds", type=int, default=15, help="length of each measured run (default 15)")
    options = parser.parse_args()
    data_dir = Path(options.data_dir).resolve()
    for name in ("adult.data", "adult.test"):
        if not (data_dir / name).is_file():
            sys.exit(f"bench:serve: {data_dir / name} not found; pass the data folder as the first argument")
    if shutil.which("wrk") is None:
        sys.exit("bench:serve: wrk is not installed; install it (apt-get install wrk) and run again")
    build_image()
    registry, request_log = f"{NAME}-registry", f"{NAME}-request-log"
    docker("rm", "--force", NAME, check=False)
    for volume in (registry, request_log):
        docker("volume", "rm", "--force", volume, check=False)
        docker("volume", "create", volume)
    scratch = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    try:
        trained = hardened_run(
            "--rm",
            "--network",
            "none",
            "-v",
            f"{data_dir}:/data:ro",
            "-v",
            f"{registry}:/registry",
            "-e",
            "RAW_DATA_FILE=adult.data",
            "-e",
            "TEST_DATA_FILE=adult.test",
            IMAGE_TAG,
            "python3",
            "pipeline.py",
        )
        if trained.returncode != 0:
            sys.exit(f"bench:serve: training the champion failed:\n{trained.stderr}")
        port = free_port()
        started = hardened_run(
            "--detach",
            "--name",
            NAME,
            "--publish",
            f"127.0.0.1:{port}:8080",
            "-v",
            f"{registry}:/registry:ro",
            "-v",
            f"{request_log}:/requests",
            IMAGE_TAG,
            "python3",
            "serve.py",
        )
        if started.returncode != 0:
            sys.exit(f"bench:serve: the service did not start:\n{started.stderr}")
        wait_until_ready(port)
        url = f"http://127.0.0.1:{port}/v2/models/adult-income/infer"
        bodies = {rows: scratch / f"rows-{rows}.json" for rows in {scenario.rows for scenario in SCENARIOS}}
        for rows, path in bodies.items():
            path.write_bytes(inference_body(test_rows(data_dir, rows)))
        results = {}
        for scenario in SCENARIOS:
            run_wrk(scenario, url, bodies[scenario.rows], WARM_UP_SECONDS)
            results[scenario.name] = run_wrk(scenario, url, bodies[scenario.rows], options.seconds)
            print(f"bench:serve: {scenario.name} done", file=sys.stderr)
        resident = proportional_resident_mib(process_ids(NAME))
        cgroup_peak = cgroup_peak_mib(NAME)
    finally:
        docker("rm", "--force", NAME, check=False)
        for volume in (registry, request_log):
            docker("volume", "rm", "--force", volume, check=False)
        shutil.rmtree(scratch, ignore_errors=True)
    print(
        f"host: {os.cpu_count()} CPUs   image: {IMAGE_TAG}   {options.seconds} s per run after {WARM_UP_SECONDS} s of warm-up   "
        f"limits: {', '.join(f'{k}={v}' for k, v in stack_limits().items())}"
    )
    print(table(results, resident, cgroup_peak, ENVIRONMENT["SERVE_WORKERS"][0]))
    bad = sum(m.bad_answers for m in results.values())
    if bad:
        print(f"FAIL: {bad} answers were not 2xx or the connection failed")
    missed = [what for what, _, _, met in verdicts(results) if not met]
    for what in missed:
        print(f"FAIL: target missed: {what}")
    return 1 if bad or missed else 0


if __name__ == "__main__":
    sys.exit(main())
