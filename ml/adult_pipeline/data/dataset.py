"""Reading and validating a raw UCI Adult file.

Accepted formats: the original's ``adult.csv`` (header line, quoted strings) and the UCI
originals ``adult.data`` / ``adult.test`` (no header, ``, ``-separated, leading ``|`` comment
lines, labels possibly ending with a dot). Anything else fails with an ``InputError`` that
names the file, the line or column, the value and what was expected.
"""

import csv
import hashlib
import io
import math
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..process.config import DEFAULTS
from ..process.errors import InputError
from .schema import (
    LABEL,
    LABELS,
    NON_NEGATIVE_COLUMNS,
    NUMERIC_FEATURES,
    RAW_COLUMNS,
    REQUIRED_COLUMNS,
    normalize_column_name,
)

OTHER_DELIMITERS: tuple[str, ...] = (";", "\t", "|")
Record = tuple[int, list[str]]  # (line number, fields)


@dataclass(frozen=True)
class RawTable:
    """A validated raw file: the required columns, numeric columns as numbers, labels normalized."""

    path: str
    sha256: str
    frame: pd.DataFrame


DEFAULT_MAX_BYTES = int(DEFAULTS["MAX_INPUT_BYTES"])
READ_CHUNK_BYTES = 1 << 20

# The largest number a numeric column may hold: XGBoost (the default model) trains on float32, where
# anything larger is infinite and fails deep inside the library. One bound for every model, so that a
# file valid for one model is valid for all (the real values are at most 1,484,705).
LARGEST_VALUE = float(np.finfo(np.float32).max)
NUMERIC_DOMAIN = f"a number from 0 to {LARGEST_VALUE:.7g} (the largest float32, the number type XGBoost trains on)"


def read_table(path: str, data_dir: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> RawTable:
    """Reads ``path``, which must stay inside ``data_dir`` (default: its own folder) and hold at most ``max_bytes``."""
    data = read_bytes(path, os.path.dirname(path) if data_dir is None else data_dir, max_bytes)
    frame = parse_table(path, decode(path, data))
    return RawTable(path=path, sha256=hashlib.sha256(data).hexdigest(), frame=frame)


def check_inside(path: str, data_dir: str) -> None:
    """Refuses a path that resolves (through symbolic links) to somewhere outside ``data_dir``."""
    folder, target = os.path.realpath(data_dir), os.path.realpath(path)
    if os.path.commonpath([folder, target]) != folder:
        raise InputError(
            f"{path}: leads to {target}, outside RAW_DATA_DIR {data_dir}; "
            "expected a file inside it (copy the file there instead of linking to it)"
        )


def too_large(path: str, size: int, max_bytes: int) -> InputError:
    return InputError(
        f"{path}: {size} bytes, more than MAX_INPUT_BYTES={max_bytes}; expected the UCI Adult data (about 4 MB); "
        "raise MAX_INPUT_BYTES if the file really is that large (a run needs about 15 times its size in memory)"
    )


def check_size(path: str, max_bytes: int) -> None:
    """Before anything is read: a regular file of at most ``max_bytes``."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found; expected the UCI Adult data there") from None
    if stat.S_ISDIR(status.st_mode):
        raise InputError(f"{path}: is a folder; expected a data file")
    if not stat.S_ISREG(status.st_mode):
        raise InputError(f"{path}: not a regular file (a device, pipe or socket); expected a data file")
    if status.st_size > max_bytes:
        raise too_large(path, status.st_size, max_bytes)


def read_bytes(path: str, data_dir: str, max_bytes: int) -> bytes:
    check_inside(path, data_dir)
    check_size(path, max_bytes)
    with open(path, "rb") as handle:
        data = read_at_most(handle, max_bytes + 1)
    if len(data) > max_bytes:  # the file grew after it was checked
        raise too_large(path, len(data), max_bytes)
    return data


def read_at_most(handle: io.BufferedIOBase, limit: int) -> bytes:
    """Up to ``limit`` bytes, read in chunks: ``read(limit)`` would allocate ``limit`` bytes up front."""
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = handle.read(min(READ_CHUNK_BYTES, left))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def decode(path: str, data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: byte {error.start} is not UTF-8 text; expected a CSV text file") from None
    if not text.strip():
        raise InputError(f"{path}: file is empty; expected comma-separated UCI Adult rows")
    return text


def parse_table(path: str, text: str) -> pd.DataFrame:
    """Parses and validates the text of a raw file; see the module docstring."""
    truncated = not text.endswith(("\n", "\r"))
    records = list(iter_records(path, text))
    if not records:
        raise InputError(f"{path}: no data rows; expected comma-separated UCI Adult rows")
    check_delimiter(path, records[0])
    columns, body = split_header(path, records)
    if not body:
        raise InputError(f"{path}: no data rows after the header; expected UCI Adult rows")
    check_field_counts(path, body, len(columns), truncated)
    lines = [line for line, _ in body]
    locator = Locator(path, lines, truncated)
    table = pd.DataFrame([fields for _, fields in body], columns=list(columns))
    for column in DROPPED_NUMERIC_COLUMNS:
        if column in table.columns:  # not used, but a value outside its domain marks a broken file
            numeric_column(locator, table[column].str.strip())
    raw = table[list(REQUIRED_COLUMNS)].apply(lambda column: column.str.strip())
    return validate_values(locator, raw)


def iter_records(path: str, text: str) -> Iterator[Record]:
    """Yields the non-blank rows, skipping the ``|`` comment lines that open UCI files."""
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True, strict=True)
    seen_content = False
    try:
        for fields in reader:
            if not any(field.strip() for field in fields):
                continue
            if not seen_content and fields[0].startswith("|"):
                continue
            seen_content = True
            yield reader.line_num, fields
    except csv.Error as error:
        raise InputError(
            f"{path} line {reader.line_num}: malformed CSV ({error}; a truncated last line?); "
            "expected complete comma-separated rows"
        ) from None


def check_delimiter(path: str, record: Record) -> None:
    line, fields = record
    if len(fields) > 1:
        return
    for delimiter in OTHER_DELIMITERS:
        if delimiter in fields[0]:
            raise InputError(f"{path} line {line}: values are separated by {delimiter!r}; expected ','")


def split_header(path: str, records: Sequence[Record]) -> tuple[tuple[str, ...], Sequence[Record]]:
    """The column names (from the header line, or the UCI order when there is none) and the data rows."""
    line, fields = records[0]
    names = tuple(normalize_column_name(field) for field in fields)
    if not any(name in RAW_COLUMNS for name in names):
        return RAW_COLUMNS, records
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise InputError(f"{path} line {line}: column {duplicates[0]!r} appears twice; expected each column once")
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    if missing:
        listed = ", ".join(repr(column) for column in missing)
        raise InputError(f"{path}: missing column {listed}; expected a header with {', '.join(REQUIRED_COLUMNS)}")
    return names, records[1:]


def check_field_counts(path: str, body: Sequence[Record], expected: int, truncated: bool) -> None:
    for index, (line, fields) in enumerate(body):
        if len(fields) != expected:
            hint = (
                "the last line looks truncated"
                if truncated and index == len(body) - 1
                else "check delimiter and quoting"
            )
            raise InputError(f"{path} line {line}: {len(fields)} fields, expected {expected} ({hint})")


@dataclass(frozen=True)
class Locator:
    """Turns a row position into ``file line N`` for error messages."""

    path: str
    lines: Sequence[int]
    truncated: bool

    def at(self, position: int) -> str:
        where = f"{self.path} line {self.lines[position]}"
        if self.truncated and position == len(self.lines) - 1:
            where += " (the last line looks truncated)"
        return where


def first_bad(mask: pd.Series | np.ndarray) -> int | None:
    positions = np.flatnonzero(np.asarray(mask))
    return int(positions[0]) if len(positions) else None


def validate_values(locator: Locator, raw: pd.DataFrame) -> pd.DataFrame:
    frame = raw.copy()
    for column in raw.columns:
        if column in NUMERIC_FEATURES:
            frame[column] = numeric_column(locator, raw[column])
        elif column == LABEL:
            frame[column] = label_column(locator, raw[column])
        else:
            check_not_empty(locator, raw[column])
    return frame


DROPPED_NUMERIC_COLUMNS: tuple[str, ...] = tuple(c for c in NON_NEGATIVE_COLUMNS if c not in NUMERIC_FEATURES)


def outside_domain(numbers: np.ndarray) -> np.ndarray:
    """True where a numeric column's value is outside its domain: not a number (NaN), not finite, negative,
    or beyond LARGEST_VALUE. Every numeric column of the UCI data is a count, an amount or a weight."""
    with np.errstate(invalid="ignore"):
        return ~((numbers >= 0.0) & (numbers <= LARGEST_VALUE))


def domain_problem(text: str) -> str:
    """What is wrong with ``text``, a value outside the domain (see ``outside_domain``), with the value quoted."""
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if math.isinf(number):
        return f"non-finite value {text!r}"
    if number < 0:
        return f"negative value {text!r}"
    if number > LARGEST_VALUE:
        return f"value {text!r} beyond the largest float32"
    return f"non-numeric value {text!r}"  # also what float() reads and pandas does not (e.g. '1_000')


def numeric_column(locator: Locator, values: pd.Series) -> pd.Series:
    """The column as numbers; an InputError naming the file, line and column for the first value outside its domain.
    The one check of every numeric value, for the training file and the test file alike."""
    numbers = pd.to_numeric(values, errors="coerce")
    bad = first_bad(outside_domain(numbers.astype(float).to_numpy()))
    if bad is not None:
        raise InputError(
            f"{locator.at(bad)}: column {values.name!r} has {domain_problem(values.iloc[bad])}; expected {NUMERIC_DOMAIN}"
        )
    return numbers


def label_column(locator: Locator, values: pd.Series) -> pd.Series:
    labels = values.str.removesuffix(".")
    bad = first_bad(~labels.isin(LABELS))
    if bad is not None:
        expected = " or ".join(repr(label) for label in LABELS)
        raise InputError(
            f"{locator.at(bad)}: column {LABEL!r} has unknown label {values.iloc[bad]!r}; expected {expected}"
        )
    return labels


def check_not_empty(locator: Locator, values: pd.Series) -> None:
    bad = first_bad(values == "")
    if bad is not None:
        raise InputError(f"{locator.at(bad)}: column {values.name!r} is empty; expected a value or '?'")
