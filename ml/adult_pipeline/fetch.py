"""Downloading the UCI Adult originals (``fetch_data.py``): one zip, three verified files.

Nothing is written unless all three members are present and match the pinned checksums;
each file is written atomically. Exit 4 for network/HTTP failures, 2 for a bad archive."""

import hashlib
import io
import os
import posixpath
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Mapping
from http.client import HTTPException

from . import artifacts
from .config import required
from .errors import EXIT_OK, DownloadError, InputError

PINNED_SHA256: Mapping[str, str] = {
    "adult.data": "5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d",
    "adult.test": "a2a9044bc167a35b2361efbabec64e89d69ce82d9790d2980119aac5fd7e9c05",
    "adult.names": "c248284c0b5de30c9e1958d6cdd168a34a654758b620e68f46aefa83fc0a576a",
}
TIMEOUT_SECONDS = 60
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024


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


def download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            data = response.read(MAX_DOWNLOAD_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise DownloadError(f"{url}: HTTP {error.code} {error.reason}; expected the UCI Adult zip") from None
    except urllib.error.URLError as error:
        raise DownloadError(f"{url}: {error.reason}; expected a reachable server") from None
    except (OSError, HTTPException) as error:
        raise DownloadError(f"{url}: {error or type(error).__name__}; expected a complete download") from None
    except ValueError as error:
        raise InputError(f"DATA_URL={url!r}: {error}; expected an http(s) URL") from None
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise InputError(f"{url}: larger than {MAX_DOWNLOAD_BYTES} bytes; expected the UCI Adult zip (about 0.6 MB)")
    return data


def extract_verified(url: str, archive: bytes) -> dict[str, bytes]:
    """The pinned members of the zip, each checked against its sha256."""
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
            by_name = {posixpath.basename(info.filename): info for info in bundle.infolist() if not info.is_dir()}
            members = {name: bundle.read(by_name[name]) for name in PINNED_SHA256 if name in by_name}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as error:
        raise InputError(f"{url}: not a readable zip ({error}); expected the UCI Adult zip") from None
    missing = [name for name in PINNED_SHA256 if name not in members]
    if missing:
        raise InputError(f"{url}: the zip has no {', '.join(missing)}; expected {', '.join(PINNED_SHA256)}")
    for name, data in members.items():
        if sha256(data) != PINNED_SHA256[name]:
            raise InputError(f"{url}: {name} has sha256 {sha256(data)}; expected {PINNED_SHA256[name]}")
    return members


def fetch_main(env: Mapping[str, str]) -> int:
    directory = required(env, "RAW_DATA_DIR", "a writable folder for the data")
    url = required(env, "DATA_URL", "the URL of the UCI Adult zip")
    if is_cached(directory):
        print(f"fetch_data: {', '.join(PINNED_SHA256)} already in {directory} with the pinned sha256; nothing downloaded")
        return EXIT_OK
    print(f"fetch_data: downloading {url}")
    members = extract_verified(url, download(url))
    for name, data in members.items():
        artifacts.write_bytes(os.path.join(directory, name), data)
        print(f"fetch_data: wrote {os.path.join(directory, name)} (sha256 {PINNED_SHA256[name]} verified)")
    return EXIT_OK
