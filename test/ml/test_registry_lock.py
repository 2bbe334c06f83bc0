"""Every wait for the registry's lock is bounded and says so (issue 17, item 5): the lock must be a
regular file (a FIFO there used to hang the run silently), a run waiting for another's lock prints
who holds it and gives up after REGISTRY_LOCK_TIMEOUT_SECONDS with exit 7, having written nothing."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import forked
from adult_pipeline.contract import EXIT_BAD_REGISTRY, EXIT_OK, EXIT_REGISTRY_BUSY
from adult_pipeline.process import cli
from adult_pipeline.process.errors import InputError
from adult_pipeline.promotion import champion_challenger, registry
from adult_pipeline.run import promote_script, stages
from conftest import ML_DIR

# A process that takes the registry's lock the way a run does, says so, and keeps it for argv[2] seconds.
HOLDER = """
import sys, time
sys.path.insert(0, sys.argv[3])
from adult_pipeline.promotion import registry
with registry.locked(sys.argv[1], 5) as lock:
    lock.announce(41)
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def registry_tree(root: Path) -> dict[str, tuple[str, bytes]]:
    """Every entry under ``root``: its kind and, for a regular file, its bytes."""
    tree = {}
    for path in sorted(root.rglob("*")):
        kind = "fifo" if path.is_fifo() else "link" if path.is_symlink() else "dir" if path.is_dir() else "file"
        tree[str(path.relative_to(root))] = (kind, path.read_bytes() if kind == "file" else b"")
    return tree


@pytest.fixture
def staged(work_env: dict[str, str]) -> dict[str, str]:
    """The stage scripts' run done in process, so that only promote.py is left (the Jenkins chain's path)."""
    for stage_main in (stages.preprocessing_main, stages.train_main, stages.gate_main, stages.evaluate_main):
        assert stage_main(work_env) == EXIT_OK
    return work_env


def hold_lock(root: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root), str(seconds), str(ML_DIR)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_fifo_at_the_lock_is_refused_at_once(staged: dict[str, str]) -> None:
    root = Path(staged["REGISTRY_DIR"])
    os.mkfifo(root / registry.LOCK_FILE)
    before = registry_tree(root)
    run = forked.run(promote_script.promote_main, {"PATH": "/usr/bin:/bin", **staged})
    assert run.returncode == EXIT_BAD_REGISTRY, (run.stdout, run.stderr)
    errors = [line for line in run.stderr.splitlines() if line.strip()]
    assert errors == [
        f"error: {root / '.lock'}: the registry's lock is a named pipe (FIFO), not a regular file; "
        "corrupt registry, nothing was written (remove it; the next run creates it again)"
    ]
    assert registry_tree(root) == before, "nothing was written"


@pytest.mark.parametrize(
    "plant, kind",
    [
        (lambda lock: lock.symlink_to(lock.parent.parent / "elsewhere"), "a symbolic link"),
        (lambda lock: lock.mkdir(), "a folder"),
    ],
)
def test_anything_else_but_a_regular_file_is_refused(work_env: dict[str, str], plant, kind: str) -> None:
    root = Path(work_env["REGISTRY_DIR"])
    (root.parent / "elsewhere").write_text("")
    plant(root / registry.LOCK_FILE)
    with (
        pytest.raises(registry.RegistryError, match=f"lock is {kind}, not a regular file") as raised,
        registry.locked(str(root), 5),
    ):
        pass
    assert raised.value.exit_code == EXIT_BAD_REGISTRY
    assert (root.parent / "elsewhere").read_text() == "", "the link's target was not written"


def test_a_held_lock_names_its_holder_and_the_wait_gives_up(
    staged: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root = Path(staged["REGISTRY_DIR"])
    holder = hold_lock(root, 60)
    try:
        before = registry_tree(root)
        since = json.loads((root / registry.LOCK_FILE).read_text())["since"]
        started = time.monotonic()
        code = cli.run(promote_script.promote_main, {**staged, "REGISTRY_LOCK_TIMEOUT_SECONDS": "1"})
        waited = time.monotonic() - started
        assert registry_tree(root) == before, "nothing was written, the holder's line in the lock file included"
    finally:
        holder.kill()
        holder.wait()
    assert code == EXIT_REGISTRY_BUSY
    assert 1 <= waited < 30
    who = f"v41 on host {socket.gethostname()} (pid {holder.pid}) since {since}"
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        f"waiting for the model registry's lock {root / '.lock'}: held by {who}; giving up after 1 s (REGISTRY_LOCK_TIMEOUT_SECONDS)",
        f"error: {root / '.lock'}: still held by {who} after waiting 1 s (REGISTRY_LOCK_TIMEOUT_SECONDS); nothing was written; "
        "expected that run to finish: run again later, stop it if it hangs (docker ps shows a container's ID as its host name), "
        "or raise REGISTRY_LOCK_TIMEOUT_SECONDS",
    ]
    assert not (root / "versions").exists()


def test_a_lock_released_within_the_timeout_is_taken_and_the_promotion_done(
    staged: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root = Path(staged["REGISTRY_DIR"])
    holder = hold_lock(root, 1.5)
    try:
        code = cli.run(promote_script.promote_main, {**staged, "REGISTRY_LOCK_TIMEOUT_SECONDS": "60"})
    finally:
        holder.wait(timeout=30)
    assert code == EXIT_OK
    captured = capsys.readouterr()
    assert f"waiting for the model registry's lock {root / '.lock'}: held by v41 on host" in captured.err
    assert "error:" not in captured.err
    assert json.loads((root / "champion.json").read_text()) == {"version": 1}
    assert (root / registry.LOCK_FILE).read_bytes() == b"", "the holder's line is cleared when the lock is let go"


def test_an_ordinary_promotion_takes_a_free_lock_silently(
    staged: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root = Path(staged["REGISTRY_DIR"])
    (root / registry.LOCK_FILE).write_text(
        '{"version": 3, "host": "gone", "pid": 1, "since": "earlier"}\n'
    )  # a killed run's line
    assert cli.run(promote_script.promote_main, staged) == EXIT_OK
    captured = capsys.readouterr()
    assert "waiting" not in captured.err and "error:" not in captured.err
    assert json.loads((root / "champion.json").read_text()) == {"version": 1}


def test_the_holder_is_described_whatever_the_lock_file_holds() -> None:
    assert (
        registry.describe_holder('{"version": 7, "host": "c0ffee", "pid": 12, "since": "2025-01-01T00:00:00+00:00"}')
        == "v7 on host c0ffee (pid 12) since 2025-01-01T00:00:00+00:00"
    )
    assert registry.describe_holder('{"version": null, "host": "c0ffee", "pid": 12, "since": "t"}').startswith(
        "a run not yet numbered on host c0ffee"
    )
    for text in ("", "{half", "[]", '{"version": 7}'):
        assert registry.describe_holder(text).startswith("a run that has not said who it is")


@pytest.mark.parametrize("text", ["0", "-1", "1.5", "ten", "", "86401", str(2**63)])
def test_a_bad_lock_timeout_is_refused(text: str) -> None:
    with pytest.raises(
        InputError, match=f"REGISTRY_LOCK_TIMEOUT_SECONDS={text!r} is (not a positive whole number|out of range)"
    ):
        champion_challenger.load_promotion_settings({"REGISTRY_LOCK_TIMEOUT_SECONDS": text})
    assert champion_challenger.load_promotion_settings({}).lock_timeout_seconds == 600
    assert (
        champion_challenger.load_promotion_settings({"REGISTRY_LOCK_TIMEOUT_SECONDS": "86400"}).lock_timeout_seconds
        == 86400
    )
