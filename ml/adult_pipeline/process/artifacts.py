"""Files the stages write and read. Every write goes to a hidden temporary file in the
target folder and is renamed into place, so a crash never leaves a file that looks valid."""

import contextlib
import glob
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from .errors import InputError

TEMP_SUFFIX = ".tmp"


def temp_prefix(path: str) -> str:
    return f".{os.path.basename(path)}."


def write_atomic(path: str, write: Callable[[str], None]) -> None:
    """Calls ``write(temp_path)``, flushes the result to disk, then renames it to ``path``."""
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    try:
        handle, temp_path = tempfile.mkstemp(dir=folder, prefix=temp_prefix(path), suffix=TEMP_SUFFIX)
    except OSError as error:  # no room or no permission for the hidden file: name the file that was to be written
        raise OSError(error.errno, error.strerror or str(error), path) from None
    os.close(handle)
    try:
        write(temp_path)
        with open(temp_path, "rb") as written:
            os.fsync(written.fileno())
        os.chmod(temp_path, 0o644)
        os.replace(temp_path, path)
    except OSError as error:
        remove_file(temp_path)
        if error.filename in (None, temp_path):  # a failed write (a full disk) names no file, or the hidden one
            raise OSError(error.errno, error.strerror or str(error), path) from None
        raise
    except BaseException:
        remove_file(temp_path)
        raise


def write_text(path: str, text: str) -> None:
    def write(temp_path: str) -> None:
        with open(temp_path, "w", encoding="utf-8") as handle:
            handle.write(text)

    write_atomic(path, write)


def write_bytes(path: str, data: bytes) -> None:
    def write(temp_path: str) -> None:
        with open(temp_path, "wb") as handle:
            handle.write(data)

    write_atomic(path, write)


def write_json(path: str, document: Any) -> None:
    write_text(path, json.dumps(document, indent=2) + "\n")


def write_csv(path: str, frame: pd.DataFrame) -> None:
    write_atomic(path, lambda temp_path: frame.to_csv(temp_path, index=False))


def read_json(path: str, producer: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found; expected the output of {producer} (run it first)") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not valid JSON ({error}); expected the output of {producer}") from None
    if not isinstance(document, dict):
        raise InputError(f"{path}: not a JSON object; expected the output of {producer}")
    return document


def read_fraction(path: str, key: str, producer: str) -> float:
    """Reads ``{key: number in [0, 1]}`` from a metadata file."""
    value = read_json(path, producer).get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise InputError(f"{path}: {key}={value!r}; expected a number in [0, 1] written by {producer}")
    return float(value)


def remove_file(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def remove_stale(paths: Iterable[str]) -> None:
    """Removes earlier runs' outputs, and temporary files a killed run may have left, before a stage starts."""
    for path in paths:
        remove_file(path)
        pattern = os.path.join(
            glob.escape(os.path.dirname(path) or "."), glob.escape(temp_prefix(path)) + "*" + TEMP_SUFFIX
        )
        for leftover in glob.glob(pattern):
            remove_file(leftover)
