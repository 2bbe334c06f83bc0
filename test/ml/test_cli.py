import errno
import os
import signal
import subprocess
import sys
import time

import pytest

from adult_pipeline.process import cli
from adult_pipeline.process.errors import EXIT_STOPPED, DownloadError, InputError
from conftest import ML_DIR


def failing(error: BaseException):
    def main(env):
        raise error

    return main


@pytest.mark.parametrize(
    "error, code, line",
    [
        (InputError("x.csv line 3: bad\nvalue; expected y"), 2, "error: x.csv line 3: bad value; expected y"),
        (DownloadError("http://h/z.zip: HTTP 404"), 4, "error: http://h/z.zip: HTTP 404"),
        (PermissionError(13, "Permission denied", "/work/model"), 2, "error: /work/model: Permission denied;"),
    ],
)
def test_expected_failures_become_one_error_line(
    capsys: pytest.CaptureFixture[str], error, code: int, line: str
) -> None:
    assert cli.run(failing(error), {}) == code
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(line)


def test_success_passes_the_exit_code_through() -> None:
    assert cli.run(lambda env: 3, {}) == 3


def test_unexpected_errors_keep_their_traceback() -> None:
    with pytest.raises(ZeroDivisionError):
        cli.run(failing(ZeroDivisionError()), {})


def test_a_full_disk_names_the_file() -> None:
    line = cli.describe_os_error(OSError(errno.ENOSPC, "No space left on device", "/work/model/model.joblib"))
    assert line.startswith("/work/model/model.joblib: No space left on device; expected free space")


def test_a_stop_while_a_script_still_loads_exits_5_at_once(tmp_path) -> None:
    script = subprocess.Popen(
        [sys.executable, str(ML_DIR / "pipeline.py")],
        cwd=ML_DIR,
        stderr=subprocess.PIPE,
        text=True,
        env={
            "PATH": os.environ["PATH"],
            "RAW_DATA_DIR": str(tmp_path),
            "PROCESSED_DATA_DIR": str(tmp_path / "p"),
            "MODEL_DIR": str(tmp_path / "m"),
            "RESULTS_DIR": str(tmp_path / "r"),
        },
    )
    time.sleep(0.3)  # inside the imports of pandas and sklearn, which take longer
    script.send_signal(signal.SIGTERM)
    _, stderr = script.communicate(timeout=10)
    assert script.returncode == EXIT_STOPPED, stderr
    assert [line for line in stderr.splitlines() if line.strip()] == [
        "error: stopped by SIGTERM (docker stop, an engine shutdown or Ctrl-C); this run's partial outputs were removed; run it again to finish"
    ]
