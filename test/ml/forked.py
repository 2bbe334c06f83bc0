"""A script's ``main`` run the way its script runs it (stop signals handled from the start, ``cli.run``,
``stopping.finished``), in a forked child of the test process: the same code without a new interpreter's
imports, and with the test's monkeypatches (conftest.quick_runs) in force. The stop and kill tests use it;
test_registry_commit.py and test_gated_run.py still run the scripts themselves in new processes."""

import os
import signal
import sys
import tempfile
import traceback
from collections.abc import Mapping
from dataclasses import dataclass

from adult_pipeline.process import cli, stopping

# A child still running after this long is killed by its own alarm (SIGALRM): a hang fails the test instead of hanging CI.
TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Finished:
    """As subprocess.CompletedProcess reports a run: ``returncode`` is minus the signal that killed it."""

    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Child:
    pid: int
    stdout_path: str
    stderr_path: str


def run_child(main: cli.Main, env: Mapping[str, str], stdout_path: str, stderr_path: str) -> None:
    """In the child: its environment is ``env`` only, its output goes to the two files; never returns."""
    code = 1
    try:
        signal.alarm(TIMEOUT_SECONDS)
        os.environ.clear()
        os.environ.update(env)
        for fd, path in ((1, stdout_path), (2, stderr_path)):
            os.dup2(os.open(path, os.O_WRONLY | os.O_TRUNC), fd)
        # The child's own streams until it exits (os._exit): no context closes them earlier.
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        stopping.handle_stop_signals()
        code = stopping.finished(cli.run(main, env))
    except BaseException:  # an unexpected crash: the traceback and exit 1, as the script would end
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def start(main: cli.Main, env: Mapping[str, str]) -> Child:
    stdout_path, stderr_path = (tempfile.mkstemp(prefix=f"forked-{name}-")[1] for name in ("stdout", "stderr"))
    pid = os.fork()
    if pid == 0:
        run_child(main, env, stdout_path, stderr_path)
    return Child(pid, stdout_path, stderr_path)


def read_and_remove(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    os.unlink(path)
    return text


def wait(child: Child) -> Finished:
    _, status = os.waitpid(child.pid, 0)
    return Finished(
        os.waitstatus_to_exitcode(status), read_and_remove(child.stdout_path), read_and_remove(child.stderr_path)
    )


def run(main: cli.Main, env: Mapping[str, str]) -> Finished:
    return wait(start(main, env))
