"""Settings from environment variables (the same names as the original pipeline).

Every value is validated here; a bad one raises ``InputError`` (exit 2) naming the variable.
"""

import difflib
import math
import os
import posixpath
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TextIO

from ..contract import ENVIRONMENT, MODEL_NAMES
from .errors import InputError

# Each variable's value when it is unset: the image's contract (contract.py).
DEFAULTS: Mapping[str, str] = {name: default for name, (default, _meaning) in ENVIRONMENT.items()}

MAX_SEED = 2**32 - 1
# The largest MAX_INPUT_BYTES: 1 GiB, 280 times the real training file. A run needs about 15 times the
# file's size in memory (15 GiB here), more than a model container is given; and a bound keeps a typo
# such as 1000000000000 (or 2**63-1) from reaching the reader as a size it cannot allocate.
MAX_INPUT_BYTES_LIMIT = 1 << 30
# How alike (difflib's ratio, of the upper-cased names) an unknown variable must be to a setting to be taken
# for a misspelling of it: THRESHHOLD ~ THRESHOLD 0.947, TRESHOLD 0.941, MAX_REGRESION 0.963, SEEDS 0.889.
# The closest ordinary variables stay below: DATA_DIR ~ RAW_DATA_DIR 0.800 (the data script's variable),
# REPORTS_DIR ~ RESULTS_DIR 0.727, MODEL_IMAGE ~ MODEL_DIR 0.700.
MISSPELLING_CUTOFF = 0.85
# The unknown variables already warned about in this process (a run loads its settings more than once).
_warned: set[str] = set()


@dataclass(frozen=True)
class Paths:
    """Where each stage reads and writes; the file names are fixed."""

    raw_data_dir: str
    raw_data_file: str
    test_data_file: str | None
    processed_data_dir: str
    model_dir: str
    results_dir: str

    @property
    def raw_file(self) -> str:
        return os.path.join(self.raw_data_dir, self.raw_data_file)

    @property
    def test_file(self) -> str | None:
        return os.path.join(self.raw_data_dir, self.test_data_file) if self.test_data_file else None

    @property
    def train_csv(self) -> str:
        return os.path.join(self.processed_data_dir, "train.csv")

    @property
    def test_csv(self) -> str:
        return os.path.join(self.processed_data_dir, "test.csv")

    @property
    def manifest(self) -> str:
        return os.path.join(self.processed_data_dir, "manifest.json")

    @property
    def train_metadata(self) -> str:
        return os.path.join(self.results_dir, "train_metadata.json")

    @property
    def test_metadata(self) -> str:
        return os.path.join(self.results_dir, "test_metadata.json")


@dataclass(frozen=True)
class Settings:
    paths: Paths
    threshold: float
    model: str
    seed: int
    max_input_bytes: int

    @property
    def split(self) -> str:
        return "official" if self.paths.test_data_file else "random"


def setting(env: Mapping[str, str], name: str) -> str:
    """The variable's value, or its default when it is unset."""
    return env.get(name, DEFAULTS[name])


def required(env: Mapping[str, str], name: str, expected: str) -> str:
    value = setting(env, name).strip()
    if not value:
        raise InputError(f"{name} is empty; expected {expected}")
    return value


def parse_fraction(name: str, text: str, expected: str = "a number in [0, 1]") -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isnan(value):
        raise InputError(f"{name}={text!r} is not a number; expected {expected}")
    if not 0.0 <= value <= 1.0:
        raise InputError(f"{name}={text!r} is out of range; expected {expected}")
    return value + 0.0  # -0 becomes 0.0, never -0.0


def parse_threshold(text: str) -> float:
    return parse_fraction("THRESHOLD", text)


def parse_positive_integer(name: str, text: str, meaning: str, maximum: int | None = None) -> int:
    if not re.fullmatch(r"\s*[1-9]\d*\s*", text):
        raise InputError(f"{name}={text!r} is not a positive whole number; expected {meaning}")
    if maximum is not None and (len(text.strip()) > len(str(maximum)) or int(text) > maximum):
        raise InputError(f"{name}={text!r} is out of range; expected {meaning}, at most {maximum}")
    return int(text)


def parse_max_input_bytes(text: str) -> int:
    return parse_positive_integer(
        "MAX_INPUT_BYTES",
        text,
        "a size in bytes, such as 67108864 (64 MiB)",
        MAX_INPUT_BYTES_LIMIT,
    )


def parse_deadline_seconds(text: str) -> int:
    return parse_positive_integer("DOWNLOAD_DEADLINE_SECONDS", text, "a number of seconds, such as 300")


def check_data_file_name(name: str, value: str | None, example: str) -> None:
    """A data file must be named relative to RAW_DATA_DIR, without ``..``: refused before anything is opened.
    (Symbolic links that point out of the folder are refused when the file is read: dataset.read_bytes.)"""
    if value is not None and (posixpath.isabs(value) or ".." in value.split("/")):
        raise InputError(
            f"{name}={value!r} leaves RAW_DATA_DIR; expected a file name inside it, e.g. {example} "
            "(put the file into the folder mounted at RAW_DATA_DIR)"
        )


def parse_model(text: str) -> str:
    name = text.strip()
    if name not in MODEL_NAMES:
        raise InputError(f"MODEL={text!r} is not a known model; expected one of: {', '.join(MODEL_NAMES)}")
    return name


def parse_seed(text: str) -> int:
    if not re.fullmatch(r"\s*\d+\s*", text) or int(text) > MAX_SEED:
        raise InputError(f"SEED={text!r} is not a valid seed; expected an integer in [0, {MAX_SEED}]")
    return int(text)


def load_paths(env: Mapping[str, str]) -> Paths:
    return Paths(
        raw_data_dir=required(env, "RAW_DATA_DIR", "the folder holding the raw data"),
        raw_data_file=required(env, "RAW_DATA_FILE", "a file name in RAW_DATA_DIR, e.g. adult.csv"),
        test_data_file=setting(env, "TEST_DATA_FILE").strip() or None,
        processed_data_dir=required(env, "PROCESSED_DATA_DIR", "a writable folder"),
        model_dir=required(env, "MODEL_DIR", "a writable folder"),
        results_dir=required(env, "RESULTS_DIR", "a writable folder"),
    )


def meant_setting(name: str) -> str | None:
    """The setting an unknown variable's name looks like a misspelling of (in another case, with its letters in
    another order, or as close as ``MISSPELLING_CUTOFF``), or None: ``THRESHHOLD``, ``threshold`` and
    ``THERSHOLD`` are taken for THRESHOLD, ``PATH`` or ``DATA_DIR`` for nothing."""
    if name in ENVIRONMENT:
        return None
    upper = name.upper()
    if upper in ENVIRONMENT:
        return upper
    swapped = [known for known in ENVIRONMENT if sorted(known) == sorted(upper)]
    close = difflib.get_close_matches(upper, ENVIRONMENT, n=1, cutoff=MISSPELLING_CUTOFF)
    return (swapped or close or [None])[0]


def misspelt_settings(names: Iterable[str]) -> list[tuple[str, str]]:
    """``(variable, setting)`` for every variable among ``names`` that looks like a misspelt setting, sorted."""
    return sorted((name, meant) for name in names if (meant := meant_setting(name)) is not None)


def misspelling_warning(name: str, meant: str) -> str:
    return f"warning: {name} is not a setting of this image and is ignored; did you mean {meant}?"


def warn_about_misspellings(env: Mapping[str, str], stream: TextIO | None = None) -> None:
    """One ``warning:`` line on stderr per variable of ``env`` that looks like a misspelt setting, once per
    process: the image ignores it, so without the warning the setting would silently keep its default."""
    for name, meant in misspelt_settings(env):
        if name not in _warned:
            _warned.add(name)
            print(misspelling_warning(name, meant), file=stream or sys.stderr)


def load_settings(env: Mapping[str, str]) -> Settings:
    warn_about_misspellings(env)
    paths = load_paths(env)
    check_data_file_name("RAW_DATA_FILE", paths.raw_data_file, "adult.csv")
    check_data_file_name("TEST_DATA_FILE", paths.test_data_file, "adult.test")
    return Settings(
        paths=paths,
        threshold=parse_threshold(setting(env, "THRESHOLD")),
        model=parse_model(setting(env, "MODEL")),
        seed=parse_seed(setting(env, "SEED")),
        max_input_bytes=parse_max_input_bytes(setting(env, "MAX_INPUT_BYTES")),
    )
