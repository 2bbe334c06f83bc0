"""Promotion is all or nothing: promote.py's main (in a forked child, as the script runs it; the last test
runs promote.py itself) is stopped (SIGKILL, SIGTERM) at each step of recording a version, by the
registry's failpoint (REGISTRY_FAILPOINT), not by timing luck. Afterwards, once the
next run has settled it under the lock, the registry holds either the old champion with the new
version aborted (or never numbered), or the new champion; nothing is left pending."""

import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

import forked
from adult_pipeline.contract import EXIT_OK, EXIT_STOPPED
from adult_pipeline.process import config
from adult_pipeline.promotion import registry
from adult_pipeline.run import promote_script, result_files, stages
from conftest import ML_DIR, quick_runs_here


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> dict[str, str]:
    """A work folder after preprocessing, train and test (the quick hgb on the sample), and a registry whose champion is v1."""
    root = tmp_path_factory.mktemp("commit")
    env = {
        "RAW_DATA_DIR": str(sample_dir),
        "RAW_DATA_FILE": "sample.csv",
        "TEST_DATA_FILE": "",
        "PROCESSED_DATA_DIR": str(root / "processed"),
        "MODEL_DIR": str(root / "model"),
        "RESULTS_DIR": str(root / "results"),
        "THRESHOLD": "0.8",
        "MODEL": "hgb",
        "SEED": "42",
        "MAX_REGRESSION": "0.005",
        "REGISTRY_DIR": str(root / "champion-v1"),
    }
    (root / "champion-v1").mkdir()
    with quick_runs_here():
        for stage_main in (
            stages.preprocessing_main,
            stages.train_main,
            stages.evaluate_main,
            promote_script.promote_main,
        ):
            assert stage_main(env) == EXIT_OK
    return env


def failpoint_env(env: dict[str, str], registry_dir: Path, failpoint: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "OMP_NUM_THREADS": "1",
        **env,
        "REGISTRY_DIR": str(registry_dir),
        registry.FAILPOINT_VARIABLE: failpoint,
    }


def promote_script_with_failpoint(
    env: dict[str, str], registry_dir: Path, failpoint: str
) -> subprocess.CompletedProcess:
    """promote.py itself, in a new process."""
    return subprocess.run(
        ["/usr/bin/python3", "promote.py"],
        cwd=ML_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        env=failpoint_env(env, registry_dir, failpoint),
    )


def promote_forked_with_failpoint(env: dict[str, str], registry_dir: Path, failpoint: str) -> forked.Finished:
    """promote.py's main as the script runs it, in a forked child (no new interpreter to start)."""
    return forked.run(promote_script.promote_main, failpoint_env(env, registry_dir, failpoint))


def settled_by_the_next_run(root: Path) -> registry.Settled:
    with registry.locked(str(root), 5) as lock:
        return registry.settled(str(root), lock)


# (step, signal) -> the champion after settling; SIGTERM waits for the commit once the version is numbered.
CASES = [
    ("staged", "SIGKILL", 1),
    ("pending", "SIGKILL", 1),
    ("pointer", "SIGKILL", 2),
    ("promoted", "SIGKILL", 2),
    ("staged", "SIGTERM", 1),
    ("pending", "SIGTERM", 2),
    ("pointer", "SIGTERM", 2),
    ("promoted", "SIGTERM", 2),
]


@pytest.mark.parametrize("step, signal_name, champion", CASES)
def test_a_stop_at_any_step_leaves_the_old_champion_or_the_new_one(
    trained: dict[str, str],
    tmp_path: Path,
    step: str,
    signal_name: str,
    champion: int,
    quick_runs: None,
) -> None:
    root = tmp_path / "registry"
    shutil.copytree(trained["REGISTRY_DIR"], root)
    run = promote_forked_with_failpoint(trained, root, f"{step}:{signal_name}")
    if signal_name == "SIGKILL":
        assert run.returncode == -signal.SIGKILL, run.stderr
    else:
        assert run.returncode == EXIT_STOPPED, run.stderr
        assert [line for line in run.stderr.splitlines() if line.startswith("error:")] == [
            "error: stopped by SIGTERM (docker stop, an engine shutdown or Ctrl-C); "
            "this run's partial outputs were removed; run it again to finish"
        ]
        left = [path for path in result_files.outputs(config.load_paths(trained)) if Path(path).exists()]
        assert left == [], "promote.py removed what it had written"
    state = settled_by_the_next_run(root)
    assert state.champion is not None and state.champion.number == champion
    assert json.loads((root / "champion.json").read_text()) == {"version": champion}
    verdicts = {number: version.metadata["verdict"] for number, version in state.versions.items()}
    on_disk = {
        number: json.loads((root / "versions" / str(number) / "metadata.json").read_text())["verdict"]
        for number in state.versions
    }
    assert verdicts == on_disk, "settled on disk, not only in memory"
    if champion == 2:
        assert verdicts == {1: "promoted", 2: "promoted"}
    elif step == "staged":
        assert verdicts == {1: "promoted"}, "never numbered: the staging folder is not a version"
    else:
        assert verdicts == {1: "promoted", 2: "aborted"}
        aborted = state.versions[2].metadata
        assert (
            "stopped before it moved the champion pointer" in aborted["reason"]
            and aborted["intended"]["verdict"] == "promoted"
        )
        page = (root / "versions" / "2" / "report.html").read_text()
        assert "v2 aborted" in page and "v2 is the champion" not in page


def test_the_next_real_run_settles_an_aborted_version_and_numbers_after_it(
    trained: dict[str, str], tmp_path: Path, quick_runs: None
) -> None:
    """The next run is promote.py itself, in a new process."""
    root = tmp_path / "registry"
    shutil.copytree(trained["REGISTRY_DIR"], root)
    assert promote_forked_with_failpoint(trained, root, "pending").returncode == -signal.SIGKILL
    run = promote_script_with_failpoint(trained, root, "")
    assert run.returncode == EXIT_OK, run.stderr
    assert "registry: v2 was left pending by a stopped run; settled as aborted" in run.stderr
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["registry"]["version"] == 3 and summary["promoted"] is True
    versions = registry.read_versions(str(root))
    assert [versions[n].metadata["verdict"] for n in (1, 2, 3)] == ["promoted", "aborted", "promoted"]
    assert versions[3].metadata["compared_with"] == 1, "compared with the champion, not with the aborted version"
