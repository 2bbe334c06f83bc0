"""Downloading the UCI Adult originals (``fetch_data.py``): one zip, three verified files.

Nothing is written unless all three members are present and match the pinned checksums;
each file is written atomically. Exit 4 for network/HTTP failures (a body cut short included),
2 for a bad archive. Failures that may pass (a timeout, a reset or refused connection, HTTP 5xx,
a body cut short) are tried again with a growing pause; all of it within DOWNLOAD_DEADLINE_SECONDS."""

import hashlib
import io
import os
import posixpath
import re
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Mapping
from http.client import HTTPException, HTTPResponse

from ..process import artifacts
from ..process.config import parse_deadline_seconds, required, setting
from ..process.errors import EXIT_OK, DownloadError, InputError

PINNED_SHA256: Mapping[str, str] = {
    "adult.data": "5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d",
    "adult.test": "a2a9044bc167a35b2361efbabec64e89d69ce82d9790d2980119aac5fd7e9c05",
    "adult.names": "c248284c0b5de30c9e1958d6cdd168a34a654758b620e68f46aefa83fc0a576a",
}
READ_TIMEOUT_SECONDS = 60  # the longest wait for one read; the whole download has DOWNLOAD_DEADLINE_SECONDS
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
ATTEMPTS = 3
FIRST_PAUSE_SECONDS = 1.0  # then 2 s: doubled after each failed attempt

Clock = Callable[[], float]


class RetryableDownloadError(DownloadError):
    """A failure that may pass when tried again: a timeout, a reset or refused connection, HTTP 5xx, a short body."""


def url_parts(url: str) -> tuple[str, str | None, str, str]:
    """``url`` cut where its secrets are: (scheme and ``://``, the user info before the host part's last
    ``@`` or None, the rest up to the query, the query or fragment with its ``?`` or ``#``). Any string
    is cut, one that is no URL included."""
    query = re.search(r"[?#]", url)
    head, tail = (url, "") if query is None else (url[: query.start()], url[query.start() :])
    scheme, separator, rest = head.partition("://")
    authority = rest.partition("/")[0]
    if not separator or "@" not in authority:
        return "", None, head, tail
    userinfo = authority.rpartition("@")[0]
    return scheme + separator, userinfo, rest[len(userinfo) + 1 :], tail


def redacted_url(url: str) -> str:
    """``url`` as a log line or an error may show it: no user name or password (``***@``) and no query
    string or fragment (a pre-signed URL's signature: ``?…`` or ``#…``). The callers' TypeScript
    (config/validators.ts redactedUrl) and shell (scripts/model-container.sh redact_url) show it the same way."""
    prefix, userinfo, rest, tail = url_parts(url)
    return prefix + ("" if userinfo is None else "***@") + rest + (tail[:1] + "…" if tail else "")


def redacted_text(text: str, url: str) -> str:
    """``text`` (a library's error message, which may quote ``url``, or its path and query, or its host
    part) with ``url`` redacted and its password, user info and query cut out wherever they appear."""
    _, userinfo, _, tail = url_parts(url)
    text = text.replace(url, redacted_url(url))
    secrets = {userinfo or "", (userinfo or "").partition(":")[2], tail[1:]}
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, "…")
    return text


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return sha256(handle.read())
    except FileNotFoundError:
        return None


def is_cached(directory: str) -> bool:
    """True when every pinned file is already in ``directory`` with the right checksum."""
    return all(file_sha256(os.path.join(directory, name)) == digest for name, digest in PINNED_SHA256.items())


def announced_length(response: HTTPResponse) -> int | None:
    value = response.headers.get("Content-Length")
    return int(value) if value is not None and value.isdigit() else None


def read_body(shown: str, response: HTTPResponse, deadline: float, deadline_seconds: int, clock: Clock) -> bytes:
    """The whole body, one read at a time (each waits at most the socket's timeout), checked against the
    deadline between reads and against the Content-Length the server announced; ``shown`` is the URL as
    messages show it (redacted_url)."""
    chunks: list[bytes] = []
    received = 0
    while chunk := response.read1(CHUNK_BYTES):
        received += len(chunk)
        if received > MAX_DOWNLOAD_BYTES:
            raise InputError(
                f"{shown}: larger than {MAX_DOWNLOAD_BYTES} bytes; expected the UCI Adult zip (about 0.6 MB)"
            )
        if clock() > deadline:
            raise DownloadError(
                f"{shown}: not complete after DOWNLOAD_DEADLINE_SECONDS={deadline_seconds} ({received} bytes received); "
                "expected a faster server (use a nearer mirror, or raise DOWNLOAD_DEADLINE_SECONDS)"
            )
        chunks.append(chunk)
    expected = announced_length(response)
    if expected is not None and received != expected:
        raise RetryableDownloadError(
            f"{shown}: the server sent {received} of the {expected} bytes it announced (Content-Length); expected the whole file"
        )
    return b"".join(chunks)


def download_once(url: str, deadline: float, deadline_seconds: int, clock: Clock) -> bytes:
    """One attempt; raises RetryableDownloadError for failures that may pass, DownloadError for the others.
    Its messages show the URL redacted (redacted_url), also where urllib's own message quotes it."""
    shown = redacted_url(url)
    try:
        response = urllib.request.urlopen(url, timeout=max(0.1, min(READ_TIMEOUT_SECONDS, deadline - clock())))
    except ValueError as error:
        raise InputError(f"DATA_URL={shown!r}: {redacted_text(str(error), url)}; expected an http(s) URL") from None
    except urllib.error.HTTPError as error:
        kind = RetryableDownloadError if error.code >= 500 else DownloadError
        raise kind(f"{shown}: HTTP {error.code} {error.reason}; expected the UCI Adult zip") from None
    except urllib.error.URLError as error:
        kind = RetryableDownloadError if isinstance(error.reason, (TimeoutError, ConnectionError)) else DownloadError
        raise kind(f"{shown}: {redacted_text(str(error.reason), url)}; expected a reachable server") from None
    except (TimeoutError, ConnectionError, HTTPException) as error:
        raise RetryableDownloadError(
            f"{shown}: {redacted_text(str(error or type(error).__name__), url)}; expected a reachable server"
        ) from None
    try:
        with response:
            return read_body(shown, response, deadline, deadline_seconds, clock)
    except (TimeoutError, ConnectionError, HTTPException) as error:
        raise RetryableDownloadError(
            f"{shown}: the download broke off ({type(error).__name__}: {redacted_text(str(error), url)}); expected a complete download"
        ) from None
    except OSError as error:
        raise DownloadError(
            f"{shown}: {redacted_text(str(error or type(error).__name__), url)}; expected a complete download"
        ) from None


def pause_before(attempt: int) -> float:
    """Seconds to wait before attempt number ``attempt`` (2, 3, ...): 1, 2, 4, ..."""
    return FIRST_PAUSE_SECONDS * 2 ** (attempt - 2)


def download(
    url: str, deadline_seconds: int, clock: Clock = time.monotonic, sleep: Callable[[float], None] = time.sleep
) -> bytes:
    """Up to ATTEMPTS tries for failures that may pass, none for the others, all within ``deadline_seconds``."""
    deadline = clock() + deadline_seconds
    attempt = 1
    while True:
        try:
            return download_once(url, deadline, deadline_seconds, clock)
        except RetryableDownloadError as error:
            pause = pause_before(attempt + 1)
            if attempt == ATTEMPTS or clock() + pause >= deadline:
                raise DownloadError(f"{error} (gave up after {attempt} attempts)") from None
            print(f"fetch_data: attempt {attempt} failed ({error}); trying again in {pause:g} s")
            sleep(pause)
            attempt += 1


def extract_verified(url: str, archive: bytes) -> dict[str, bytes]:
    """The pinned members of the zip, each checked against its sha256."""
    shown = redacted_url(url)
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
            by_name = {posixpath.basename(info.filename): info for info in bundle.infolist() if not info.is_dir()}
            members = {name: bundle.read(by_name[name]) for name in PINNED_SHA256 if name in by_name}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as error:
        raise InputError(f"{shown}: not a readable zip ({error}); expected the UCI Adult zip") from None
    missing = [name for name in PINNED_SHA256 if name not in members]
    if missing:
        raise InputError(f"{shown}: the zip has no {', '.join(missing)}; expected {', '.join(PINNED_SHA256)}")
    for name, data in members.items():
        if sha256(data) != PINNED_SHA256[name]:
            raise InputError(f"{shown}: {name} has sha256 {sha256(data)}; expected {PINNED_SHA256[name]}")
    return members


def fetch_main(env: Mapping[str, str]) -> int:
    directory = required(env, "RAW_DATA_DIR", "a writable folder for the data")
    url = required(env, "DATA_URL", "the URL of the UCI Adult zip")
    deadline_seconds = parse_deadline_seconds(setting(env, "DOWNLOAD_DEADLINE_SECONDS"))
    if is_cached(directory):
        print(
            f"fetch_data: {', '.join(PINNED_SHA256)} already in {directory} with the pinned sha256; nothing downloaded"
        )
        return EXIT_OK
    print(f"fetch_data: downloading {redacted_url(url)}")
    members = extract_verified(url, download(url, deadline_seconds))
    for name, data in members.items():
        artifacts.write_bytes(os.path.join(directory, name), data)
        print(f"fetch_data: wrote {os.path.join(directory, name)} (sha256 {PINNED_SHA256[name]} verified)")
    return EXIT_OK
