"""The service's settings from its environment (contract.py), each checked: a bad one exits 2 naming it."""

import math
from collections.abc import Mapping
from dataclasses import dataclass

from ..process.config import parse_fraction, parse_positive_integer, required, setting, warn_about_misspellings
from ..process.errors import InputError

MAX_PORT = 65535
MAX_WORKERS = 16
MAX_ROWS_LIMIT = 1_000_000
MAX_BODY_BYTES_LIMIT = 1 << 30
# The request log's cap is shared by every server process's live file and its one rotated copy
# (request_log.py); below this a record would not fit in a share.
MIN_REQUEST_LOG_BYTES = 65536
POLL_SECONDS_RANGE = (0.1, 3600.0)


@dataclass(frozen=True)
class ServeSettings:
    port: int
    workers: int
    max_rows: int
    max_body_bytes: int
    poll_seconds: float
    registry_dir: str
    # None: no request log.
    request_log_dir: str | None
    request_log_sample_rate: float
    request_log_max_bytes: int


def parse_poll_seconds(text: str) -> float:
    low, high = POLL_SECONDS_RANGE
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not low <= value <= high:
        raise InputError(
            f"SERVE_POLL_SECONDS={text!r} is not a number of seconds from {low:g} to {high:g}; expected e.g. 1"
        )
    return value


def parse_request_log_max_bytes(text: str) -> int:
    value = parse_positive_integer(
        "REQUEST_LOG_MAX_BYTES", text, "a size in bytes, such as 67108864 (64 MiB)", MAX_BODY_BYTES_LIMIT
    )
    if value < MIN_REQUEST_LOG_BYTES:
        raise InputError(f"REQUEST_LOG_MAX_BYTES={text!r} is too small; expected at least {MIN_REQUEST_LOG_BYTES}")
    return value


def parse_port(env: Mapping[str, str]) -> int:
    return parse_positive_integer("SERVE_PORT", setting(env, "SERVE_PORT"), "a TCP port, such as 8080", MAX_PORT)


def parse_workers(env: Mapping[str, str]) -> int:
    return parse_positive_integer(
        "SERVE_WORKERS", setting(env, "SERVE_WORKERS"), "a number of server processes, such as 2", MAX_WORKERS
    )


def load_serve_settings(env: Mapping[str, str]) -> ServeSettings:
    warn_about_misspellings(env)
    return ServeSettings(
        port=parse_port(env),
        workers=parse_workers(env),
        max_rows=parse_positive_integer(
            "SERVE_MAX_ROWS", setting(env, "SERVE_MAX_ROWS"), "a number of rows, such as 10000", MAX_ROWS_LIMIT
        ),
        max_body_bytes=parse_positive_integer(
            "SERVE_MAX_BODY_BYTES",
            setting(env, "SERVE_MAX_BODY_BYTES"),
            "a size in bytes, such as 10485760 (10 MiB)",
            MAX_BODY_BYTES_LIMIT,
        ),
        poll_seconds=parse_poll_seconds(setting(env, "SERVE_POLL_SECONDS")),
        registry_dir=required(env, "REGISTRY_DIR", "the model registry's folder (mount its volume read-only)"),
        request_log_dir=setting(env, "REQUEST_LOG_DIR").strip() or None,
        request_log_sample_rate=parse_fraction("REQUEST_LOG_SAMPLE_RATE", setting(env, "REQUEST_LOG_SAMPLE_RATE")),
        request_log_max_bytes=parse_request_log_max_bytes(setting(env, "REQUEST_LOG_MAX_BYTES")),
    )
