"""Runs a script's ``main`` and turns expected failures into one ``error:`` line and an exit code."""

import errno
import os
import sys
from collections.abc import Callable, Mapping

from .errors import EXIT_BAD_INPUT, PipelineError

Main = Callable[[Mapping[str, str]], int]


def one_line(message: str) -> str:
    return " ".join(message.split())


def describe_os_error(error: OSError) -> str:
    where = f"{error.filename}: " if error.filename else ""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"{where}{error.strerror}; expected free space for the outputs (free some, or give that folder more room)"
        )
    return f"{where}{error.strerror or error}; expected a readable input and writable output folders"


def run(main: Main, env: Mapping[str, str] = os.environ) -> int:
    """Exit codes: 0 ok, 2 bad input or setting (also unreadable/unwritable files), 3 gate failed,
    4 download failed (5, stopped by a signal: see stopping.py); an unexpected exception keeps its traceback (exit 1)."""
    try:
        return main(env)
    except PipelineError as error:
        print(f"error: {one_line(str(error))}", file=sys.stderr)
        return error.exit_code
    except OSError as error:
        print(f"error: {one_line(describe_os_error(error))}", file=sys.stderr)
        return EXIT_BAD_INPUT
