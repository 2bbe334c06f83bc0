"""Runs a script's ``main`` and turns expected failures into one ``error:`` line and an exit code."""

import errno
import os
import signal
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import FrameType
from typing import Optional

from .errors import EXIT_BAD_INPUT, PipelineError, Stopped

Main = Callable[[Mapping[str, str]], int]
STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT)


def one_line(message: str) -> str:
    return " ".join(message.split())


def describe_os_error(error: OSError) -> str:
    where = f"{error.filename}: " if error.filename else ""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{where}{error.strerror}; expected free space for the outputs (free some, or give that folder more room)"
    return f"{where}{error.strerror or error}; expected a readable input and writable output folders"


def raise_stopped(signum: int, frame: Optional[FrameType]) -> None:
    """A stop signal becomes an exception, so the running stage unwinds and removes its partial outputs.
    Further stop signals are ignored while it does."""
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.SIG_IGN)
    name = signal.Signals(signum).name
    raise Stopped(f"stopped by {name} (docker stop, an engine shutdown or Ctrl-C); this run's partial outputs were removed; run it again to finish")


@contextmanager
def stop_signals_raise() -> Iterator[None]:
    previous = {stop_signal: signal.signal(stop_signal, raise_stopped) for stop_signal in STOP_SIGNALS}
    try:
        yield
    finally:
        for stop_signal, handler in previous.items():
            signal.signal(stop_signal, handler)


def run(main: Main, env: Mapping[str, str] = os.environ) -> int:
    """Exit codes: 0 ok, 2 bad input or setting (also unreadable/unwritable files), 3 gate failed,
    4 download failed, 5 stopped by a signal; an unexpected exception keeps its traceback (exit 1)."""
    try:
        with stop_signals_raise():
            return main(env)
    except PipelineError as error:
        print(f"error: {one_line(str(error))}", file=sys.stderr)
        return error.exit_code
    except OSError as error:
        print(f"error: {one_line(describe_os_error(error))}", file=sys.stderr)
        return EXIT_BAD_INPUT
