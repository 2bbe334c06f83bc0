"""Stopping on SIGTERM or SIGINT (docker stop, an engine shutdown, Ctrl-C).

The signal handler itself removes the partial outputs of the stage that runs and ends the process
with exit 5 at once (``os._exit``): an exception raised from a handler could be swallowed by library
code (sklearn scores a failed fit as nan) or lost inside an extension module's import. Inside
``deferred()`` (a step that must complete whole: the promotion's commit) the stop waits for its end."""

import os
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

from ..contract import EXIT_STOPPED

STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT)

# The outputs of the stage that runs (and of the later ones), removed when a stop signal arrives.
partial_outputs: list[str] = []
# While a deferred step runs: the stop signals that arrived meanwhile (handled when it ends).
deferring: list[bool] = [False]
pending_signals: list[int] = []


def message(signum: int) -> str:
    return (
        f"stopped by {signal.Signals(signum).name} (docker stop, an engine shutdown or Ctrl-C); "
        "this run's partial outputs were removed; run it again to finish"
    )


def stop(signum: int, frame: FrameType | None) -> None:
    if deferring[0]:
        pending_signals.append(signum)
        return
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.SIG_IGN)
    if partial_outputs:
        from .artifacts import remove_stale  # loaded by then: outputs are only registered by the stages

        remove_stale(partial_outputs)
    sys.stdout.flush()
    print(f"error: {message(signum)}", file=sys.stderr, flush=True)
    os._exit(EXIT_STOPPED)


def handle_stop_signals() -> None:
    """Called by every script first, before its heavy imports, so a stop is handled from the start."""
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, stop)


def finished(exit_code: int) -> int:
    """Called when the script's work is done: a stop signal from now on changes nothing, so it is ignored
    (Python's shutdown would otherwise restore the default action, and the finished run would die of it)."""
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.SIG_IGN)
    return exit_code


@contextmanager
def removed_on_stop(outputs: Sequence[str]) -> Iterator[None]:
    """While the body runs, a stop signal removes ``outputs`` (and their leftover temporary files)."""
    partial_outputs[:] = outputs
    try:
        yield
    finally:
        partial_outputs.clear()


@contextmanager
def deferred() -> Iterator[None]:
    """A stop signal that arrives while the body runs takes effect only when the body has completed."""
    deferring[0] = True
    try:
        yield
    finally:
        deferring[0] = False
        if pending_signals:
            stop(pending_signals[0], None)
