"""fetch_data.py's logic on the host, against a local HTTP server."""

import hashlib
import os
from pathlib import Path

import pytest

import datafiles
from adult_pipeline import fetch
from adult_pipeline.errors import DownloadError, InputError


def fetch_into(folder: Path, url: str) -> int:
    return fetch.fetch_main({"RAW_DATA_DIR": str(folder), "DATA_URL": url})


def test_download_verifies_and_writes_the_three_files(tmp_path: Path, zip_server: str, data_dir: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert fetch_into(tmp_path, f"{zip_server}/adult.zip") == 0
    assert sorted(os.listdir(tmp_path)) == ["adult.data", "adult.names", "adult.test"]
    for name, digest in fetch.PINNED_SHA256.items():
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == digest
    assert "downloading" in capsys.readouterr().out


def test_verified_files_are_not_downloaded_again(tmp_path: Path, zip_server: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert fetch_into(tmp_path, f"{zip_server}/adult.zip") == 0
    capsys.readouterr()
    assert fetch_into(tmp_path, datafiles.closed_port_url()) == 0  # would fail if it tried the network
    assert "nothing downloaded" in capsys.readouterr().out


def test_a_damaged_cached_file_is_replaced(tmp_path: Path, zip_server: str) -> None:
    assert fetch_into(tmp_path, f"{zip_server}/adult.zip") == 0
    (tmp_path / "adult.test").write_text("truncated")
    assert fetch_into(tmp_path, f"{zip_server}/adult.zip") == 0
    assert hashlib.sha256((tmp_path / "adult.test").read_bytes()).hexdigest() == fetch.PINNED_SHA256["adult.test"]


@pytest.mark.parametrize("name, message", [
    ("corrupt.zip", "not a readable zip"),
    ("damaged.zip", "not a readable zip"),
    ("tampered.zip", "adult.names has sha256"),
    ("partial.zip", "the zip has no adult.test"),
])
def test_bad_archives_write_nothing(tmp_path: Path, zip_server: str, name: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        fetch_into(tmp_path, f"{zip_server}/{name}")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("url, message", [
    ("{server}/missing.zip", "HTTP 404"),
    ("{closed}", "Connection refused"),
])
def test_network_failures_are_download_errors(tmp_path: Path, zip_server: str, url: str, message: str) -> None:
    with pytest.raises(DownloadError, match=message):
        fetch_into(tmp_path, url.format(server=zip_server, closed=datafiles.closed_port_url()))
    assert os.listdir(tmp_path) == []
