import errno
import os
import signal
import time

import pytest

from adult_pipeline import cli
from adult_pipeline.errors import EXIT_STOPPED, DownloadError, InputError


def failing(error: BaseException):
    def main(env):
        raise error
    return main


@pytest.mark.parametrize("error, code, line", [
    (InputError("x.csv line 3: bad\nvalue; expected y"), 2, "error: x.csv line 3: bad value; expected y"),
    (DownloadError("http://h/z.zip: HTTP 404"), 4, "error: http://h/z.zip: HTTP 404"),
    (PermissionError(13, "Permission denied", "/work/model"), 2, "error: /work/model: Permission denied;"),
])
def test_expected_failures_become_one_error_line(capsys: pytest.CaptureFixture[str], error, code: int, line: str) -> None:
    assert cli.run(failing(error), {}) == code
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(line)


def test_success_passes_the_exit_code_through() -> None:
    assert cli.run(lambda env: 3, {}) == 3


def test_unexpected_errors_keep_their_traceback() -> None:
    with pytest.raises(ZeroDivisionError):
        cli.run(failing(ZeroDivisionError()), {})


def test_a_stop_signal_becomes_exit_5_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    def main(env):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the signal interrupts this
        return 0

    started = time.monotonic()
    assert cli.run(main, {}) == EXIT_STOPPED
    assert time.monotonic() - started < 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: stopped by SIGTERM") and "partial outputs were removed" in err[0]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, "the previous handler is back"


def test_a_full_disk_names_the_file() -> None:
    line = cli.describe_os_error(OSError(errno.ENOSPC, "No space left on device", "/work/model/model.joblib"))
    assert line.startswith("/work/model/model.joblib: No space left on device; expected free space")
