"""Champion and challenger: the promotion rule, the registry on disk (locking, atomic pointer, corrupt
files), and two runs promoting into one registry at once (the report and the per-group figures: test_report.py)."""

import json
import os
import re
import shutil
from pathlib import Path

import pytest

import forked
from adult_pipeline.contract import EXIT_BAD_REGISTRY, EXIT_OK
from adult_pipeline.evaluation import report
from adult_pipeline.process import config
from adult_pipeline.process.errors import InputError
from adult_pipeline.promotion import champion_challenger, registry
from adult_pipeline.promotion.rule import decide, metrics_diff
from adult_pipeline.run import metrics_line, pipeline_script, promote_script, result_files, stages

MAX = 0.005


@pytest.mark.parametrize(
    "case, gate, challenger, champion, promoted, reason",
    [
        ("first model", True, 0.80, None, True, "first model"),
        ("better", True, 0.87, 0.86, True, "+0.0100"),
        ("equal", True, 0.86, 0.86, True, "+0.0000"),
        ("worse within maxRegression", True, 0.856, 0.86, True, "-0.0040"),
        ("worse by exactly maxRegression", True, 0.855, 0.86, True, "-0.0050"),
        (
            "worse beyond maxRegression",
            True,
            0.85,
            0.86,
            False,
            "worse than the champion by more than maxRegression 0.005",
        ),
        ("failed gate", False, None, 0.86, False, "gate failed: validation_acc 0.7000 < threshold 0.8"),
        ("failed gate, first model", False, None, None, False, "gate failed"),
    ],
)
def test_promotion_rule(case: str, gate: bool, challenger, champion, promoted: bool, reason: str) -> None:
    verdict = decide(gate, 0.70 if not gate else 0.85, 0.8, challenger, champion, MAX)
    assert verdict.promoted is promoted, case
    assert reason in verdict.reason, verdict.reason


def test_metrics_diff_is_new_minus_old() -> None:
    diff = metrics_diff({"test_acc": 0.86, "roc_auc": 0.9}, {"test_acc": 0.84, "roc_auc": 0.91, "pr_auc": 0.7})
    assert diff["test_acc"]["diff"] == pytest.approx(-0.02)
    assert diff["roc_auc"] == {"old": 0.9, "new": 0.91, "diff": pytest.approx(0.01)}
    assert diff["pr_auc"] == {"old": None, "new": 0.7, "diff": None}


# --- the registry on disk -------------------------------------------------------------------------


def registry_files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def run_in_process(env: dict[str, str]) -> dict:
    """The gated run in this process; its metrics line as pipeline.py prints it."""
    line, _ = pipeline_script.run_gated(env, started=0.0)
    return metrics_line.as_json_object(line)


def test_first_then_weaker_model_is_rejected_and_kept(work_env: dict[str, str]) -> None:
    root = Path(work_env["REGISTRY_DIR"])
    first = run_in_process(work_env)
    assert first["promoted"] is True and first["registry"]["version"] == 1
    weaker = run_in_process({**work_env, "MODEL": "logreg", "MAX_REGRESSION": "0"})
    champion = json.loads((root / "champion.json").read_text())
    metadata = json.loads((root / "versions" / "2" / "metadata.json").read_text())
    if weaker["promoted"]:  # the sample is small: logreg may do as well; the rule must still hold
        assert weaker["delta_vs_champion"]["test_acc"]["diff"] >= 0
        assert champion == {"version": 2}
    else:
        assert weaker["delta_vs_champion"]["test_acc"]["diff"] < 0
        assert champion == {"version": 1} and weaker["champion"]["version"] == 1
        assert metadata["verdict"] == "rejected" and "worse than the champion" in metadata["reason"]
    assert set(os.listdir(root / "versions" / "2")) == {
        "metadata.json",
        "model.json",
        "model.joblib",
        *report.FILE_NAMES,
    }
    assert metadata["compared_with"] == 1 and len(metadata["source_sha256"]) == 64
    assert metadata["data"]["raw_sha256"] and metadata["rows"]["test"] > 0
    paths = config.load_paths(work_env)
    assert json.loads(Path(result_files.metrics_file(paths)).read_text())["registry"]["version"] == 2
    assert Path(result_files.report_file(paths)).read_text() == (root / "versions" / "2" / "report.html").read_text()


def test_failed_gate_is_recorded_as_rejected_without_touching_the_champion(work_env: dict[str, str]) -> None:
    root = Path(work_env["REGISTRY_DIR"])
    run_in_process(work_env)
    stopped = run_in_process({**work_env, "THRESHOLD": "1"})
    assert stopped["promoted"] is False and stopped["groups"] is None and stopped["registry"]["verdict"] == "rejected"
    assert stopped["registry"]["reason"].startswith("gate failed")
    assert json.loads((root / "champion.json").read_text()) == {"version": 1}


def test_missing_registry_is_a_clear_error(work_env: dict[str, str]) -> None:
    with pytest.raises(
        registry.RegistryError,
        match=r"REGISTRY_DIR='.*/nowhere' is not a directory; expected the model registry's volume",
    ):
        run_in_process({**work_env, "REGISTRY_DIR": str(Path(work_env["REGISTRY_DIR"]) / "nowhere")})


@pytest.mark.parametrize(
    "damage, message",
    [
        (
            lambda root: (root / "versions" / "1" / "metadata.json").write_text("{not json"),
            r"versions/1/metadata.json: corrupt registry file, not valid JSON",
        ),
        (
            lambda root: (root / "versions" / "1" / "metadata.json").write_text('{"version": 1, "verdict": "maybe"}'),
            r"verdict='maybe'",
        ),
        (lambda root: (root / "champion.json").write_text('{"version": 9}'), r"champion.json: points at version 9"),
        (lambda root: (root / "versions" / "junk").mkdir(), r"versions/junk: unexpected entry"),
    ],
)
def test_corrupt_registry_is_reported_and_left_as_it_was(work_env: dict[str, str], damage, message: str) -> None:
    root = Path(work_env["REGISTRY_DIR"])
    run_in_process(work_env)
    damage(root)
    before = registry_files(root)
    with pytest.raises(registry.RegistryError, match=message) as raised:
        run_in_process(work_env)
    assert raised.value.exit_code == EXIT_BAD_REGISTRY
    after = registry_files(root)
    after.pop(".lock", None), before.pop(".lock", None)
    assert after == before, "nothing was written"


def test_without_a_registry_the_verdict_is_reported_and_nothing_recorded(work_env: dict[str, str], capsys) -> None:
    """A Jenkins chain on a build host other than the registry's: REGISTRY_DIR is empty."""
    untouched = Path(work_env["REGISTRY_DIR"])
    summary = run_in_process({**work_env, "REGISTRY_DIR": ""})
    assert summary["promoted"] is False and summary["champion"] is None and summary["delta_vs_champion"] is None
    assert summary["registry"] == {
        "version": None,
        "verdict": "not recorded",
        "reason": champion_challenger.NO_REGISTRY_REASON,
        "report": None,
    }
    assert summary["test_acc"] is not None and summary["groups"]["sex"]["groups"]
    assert re.search(
        r"^verdict: validation_acc 0\.\d{4}, test_acc 0\.\d{4}: not recorded \(no model registry on this build host",
        capsys.readouterr().out,
        re.M,
    )
    paths = config.load_paths(work_env)
    assert "not recorded" in Path(result_files.report_file(paths)).read_text()
    assert os.listdir(untouched) == [], "the registry folder of the other test runs was not used"


def test_empty_registry_takes_the_first_model(work_env: dict[str, str]) -> None:
    assert os.listdir(work_env["REGISTRY_DIR"]) == []
    assert run_in_process(work_env)["promoted"] is True


@pytest.mark.parametrize("text", ["-0.1", "1.5", "x", ""])
def test_bad_max_regression_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="MAX_REGRESSION="):
        champion_challenger.load_promotion_settings({"MAX_REGRESSION": text})


def test_a_report_failure_is_a_warning_not_a_failed_run(
    work_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    def broken(*_: object) -> dict[str, bytes]:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(report, "render", broken)
    summary = run_in_process(work_env)
    assert summary["promoted"] is True and summary["registry"]["report"] is None
    assert "warning: the report was not written: RuntimeError: no fonts" in capsys.readouterr().err
    assert not (Path(work_env["REGISTRY_DIR"]) / "versions" / "1" / "report.html").exists()


def test_two_runs_promoting_at_once_leave_a_consistent_registry(work_env: dict[str, str], tmp_path: Path) -> None:
    """Two processes running pipeline.py's main, started together on one registry: two distinct versions, a champion among them."""
    root = Path(work_env["REGISTRY_DIR"])
    children = []
    for name in ("a", "b"):
        env = {
            **work_env,
            **{key: str(tmp_path / name / key.lower()) for key in ("PROCESSED_DATA_DIR", "MODEL_DIR", "RESULTS_DIR")},
        }
        children.append(forked.start(lambda env: pipeline_script.pipeline_main(env, started=0.0), env))
    runs = [forked.wait(child) for child in children]
    assert [run.returncode for run in runs] == [EXIT_OK, EXIT_OK], runs
    summaries = [json.loads(run.stdout.strip().splitlines()[-1]) for run in runs]
    assert sorted(summary["registry"]["version"] for summary in summaries) == [1, 2]
    assert sorted(os.listdir(root / "versions")) == ["1", "2"], "no staging folder left behind"
    versions = registry.read_versions(str(root))
    champion = registry.read_champion(str(root), versions)
    assert champion is not None and all(versions[n].metadata["verdict"] == "promoted" for n in (1, 2)), (
        "same data, same model: both pass"
    )
    assert versions[2].metadata["compared_with"] == 1, "the second to take the lock compared with the first"
    assert champion.number == 2
    shutil.rmtree(root)


def test_promote_script_records_the_stage_scripts_run(work_env: dict[str, str]) -> None:
    """The Jenkins chain's path: the stage scripts one by one, then promote.py."""
    os.makedirs(work_env["REGISTRY_DIR"], exist_ok=True)
    for stage_main in (stages.preprocessing_main, stages.train_main, stages.gate_main, stages.evaluate_main):
        assert stage_main(work_env) == EXIT_OK
    assert promote_script.promote_main(work_env) == EXIT_OK
    metrics = json.loads(Path(result_files.metrics_file(config.load_paths(work_env))).read_text())
    assert metrics["promoted"] is True and metrics["registry"]["version"] == metrics["champion"]["version"]
