"""pipeline.py's gated run: in process for the logic, as a host subprocess for the output contract."""

import json
import os
import subprocess
from pathlib import Path

from adult_pipeline import contract
from adult_pipeline.process import config
from adult_pipeline.process.errors import EXIT_BAD_INPUT, EXIT_GATE_FAILED, EXIT_OK
from adult_pipeline.run import metrics_line, pipeline_script
from conftest import ML_DIR


def test_summary_has_exactly_the_contract_keys(work_env: dict[str, str]) -> None:
    line, code = pipeline_script.run_gated(work_env, started=0.0, clock=iter(range(100)).__next__)
    summary = metrics_line.as_json_object(line)
    assert code == EXIT_OK
    assert list(summary) == list(contract.METRICS_FIELDS)
    assert set(summary["data"]) == {"raw_file", "raw_sha256", "test_file", "test_sha256"}
    assert set(summary["rows"]) == {"raw", "clean", "train", "test"}
    assert summary["seconds"] == {"preprocessing": 1, "train": 1, "test": 1, "total": 6}
    assert (summary["model"], summary["seed"], summary["split"], summary["threshold"]) == ("hgb", 42, "random", 0.8)
    assert summary["gate_passed"] is True and isinstance(summary["test_acc"], float)
    assert set(summary) == set(contract.METRICS_FIELDS)
    assert summary["promoted"] is True and summary["delta_vs_champion"] is None, "the first model needs only the gate"
    assert summary["champion"] == {
        "version": 1,
        "validation_acc": summary["validation_acc"],
        "test_acc": summary["test_acc"],
    }
    assert set(summary["groups"]) == {"sex", "race"}


def test_failed_gate_skips_the_test_stage(work_env: dict[str, str]) -> None:
    paths = config.load_paths(work_env)
    os.makedirs(paths.results_dir)
    Path(paths.test_metadata).write_text('{"test_acc": 0.9}')  # from an earlier run
    line, code = pipeline_script.run_gated({**work_env, "THRESHOLD": "1"}, started=0.0)
    summary = metrics_line.as_json_object(line)
    assert code == EXIT_GATE_FAILED
    assert summary["gate_passed"] is False and summary["test_acc"] is None and summary["seconds"]["test"] is None
    assert not Path(paths.test_metadata).exists()
    assert json.loads(Path(paths.train_metadata).read_text()) == {"validation_acc": summary["validation_acc"]}


def run_pipeline(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["/usr/bin/python3", "pipeline.py"],
        cwd=ML_DIR,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_pipeline_script_prints_the_summary_as_the_last_line(work_env: dict[str, str]) -> None:
    result = run_pipeline(work_env)
    assert result.returncode == EXIT_OK, result.stderr
    lines = result.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert list(summary) == list(contract.METRICS_FIELDS)
    assert any(line.startswith("gate passed") for line in lines[:-1])
    assert result.stderr == ""


def test_pipeline_script_reports_a_bad_setting_in_one_line(work_env: dict[str, str]) -> None:
    result = run_pipeline({**work_env, "THRESHOLD": "high"})
    assert result.returncode == EXIT_BAD_INPUT
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["error: THRESHOLD='high' is not a number; expected a number in [0, 1]"]
