"""fetch_data.py's logic on the host, against a local HTTP server."""

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

import datafiles
from adult_pipeline.data import fetch
from adult_pipeline.process import cli
from adult_pipeline.process.errors import EXIT_BAD_INPUT, EXIT_DOWNLOAD_FAILED, DownloadError, InputError

# How every part of the project shows a URL; test/contracts/dataUrl.test.ts holds the TypeScript and the shell to it.
REDACTED_URLS = json.loads(
    (Path(__file__).resolve().parents[1] / "contracts" / "fixtures" / "redacted-urls.json").read_text()
)["cases"]
SIGNATURE = "X-Amz-Signature=0f1e2d3c4b5a"


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries pause 0.01 s instead of 1 s here (the doubling itself is tested below)."""
    monkeypatch.setattr(fetch, "FIRST_PAUSE_SECONDS", 0.01)


def fetch_into(folder: Path, url: str) -> int:
    return fetch.fetch_main({"RAW_DATA_DIR": str(folder), "DATA_URL": url})


def test_download_verifies_and_writes_the_three_files(
    tmp_path: Path, zip_server: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert fetch_into(tmp_path, f"{zip_server}/adult.zip") == 0
    assert sorted(os.listdir(tmp_path)) == ["adult.data", "adult.names", "adult.test"]
    for name, digest in fetch.PINNED_SHA256.items():
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == digest
    assert "downloading" in capsys.readouterr().out


def test_verified_files_are_not_downloaded_again(
    tmp_path: Path, zip_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert fetch_into(tmp_path, f"{zip_server}/adult.zip") == 0
    capsys.readouterr()
    assert fetch_into(tmp_path, datafiles.closed_port_url()) == 0  # would fail if it tried the network
    assert "nothing downloaded" in capsys.readouterr().out


def test_a_damaged_cached_file_is_replaced(tmp_path: Path, zip_server: str) -> None:
    assert fetch_into(tmp_path, f"{zip_server}/adult.zip") == 0
    (tmp_path / "adult.test").write_text("truncated")
    assert fetch_into(tmp_path, f"{zip_server}/adult.zip") == 0
    assert hashlib.sha256((tmp_path / "adult.test").read_bytes()).hexdigest() == fetch.PINNED_SHA256["adult.test"]


@pytest.mark.parametrize(
    "name, message",
    [
        ("corrupt.zip", "not a readable zip"),
        ("damaged.zip", "not a readable zip"),
        ("tampered.zip", "adult.names has sha256"),
        ("partial.zip", "the zip has no adult.test"),
    ],
)
def test_bad_archives_write_nothing(tmp_path: Path, zip_server: str, name: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        fetch_into(tmp_path, f"{zip_server}/{name}")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "url, message",
    [
        ("{server}/missing.zip", "HTTP 404"),
        ("{closed}", "Connection refused"),
    ],
)
def test_network_failures_are_download_errors(tmp_path: Path, zip_server: str, url: str, message: str) -> None:
    with pytest.raises(DownloadError, match=message):
        fetch_into(tmp_path, url.format(server=zip_server, closed=datafiles.closed_port_url()))
    assert os.listdir(tmp_path) == []


def fetch_with_deadline(folder: Path, url: str, deadline: str) -> int:
    return fetch.fetch_main({"RAW_DATA_DIR": str(folder), "DATA_URL": url, "DOWNLOAD_DEADLINE_SECONDS": deadline})


@pytest.mark.parametrize(
    "name, message",
    [
        ("short.zip", r"the server sent \d+ of the \d+ bytes it announced"),
        ("chunked-broken.zip", "the download broke off .IncompleteRead"),
    ],
)
def test_a_body_cut_short_is_a_download_failure_retried_then_reported(
    tmp_path: Path, fault_server, name: str, message: str
) -> None:
    server, base = fault_server
    with pytest.raises(DownloadError, match=f"{message}.*gave up after {fetch.ATTEMPTS} attempts"):
        fetch_into(tmp_path, f"{base}/{name}")
    assert server.requests[f"/{name}"] == fetch.ATTEMPTS
    assert os.listdir(tmp_path) == []


def test_a_trickling_server_is_stopped_at_the_deadline(tmp_path: Path, fault_server) -> None:
    server, base = fault_server
    started = time.monotonic()
    with pytest.raises(DownloadError, match=r"not complete after DOWNLOAD_DEADLINE_SECONDS=2 \(\d+ bytes received\)"):
        fetch_with_deadline(tmp_path, f"{base}/trickle.zip", "2")
    assert time.monotonic() - started < 4
    assert server.requests["/trickle.zip"] == 1, "a missed deadline is final"
    assert os.listdir(tmp_path) == []


def test_a_server_error_is_retried_and_the_retry_succeeds(
    tmp_path: Path, fault_server, capsys: pytest.CaptureFixture[str]
) -> None:
    server, base = fault_server
    assert fetch_into(tmp_path, f"{base}/flaky.zip") == 0
    assert server.requests["/flaky.zip"] == 2
    out = capsys.readouterr().out
    assert "attempt 1 failed" in out and "HTTP 503" in out and "trying again in 0.01 s" in out
    assert sorted(os.listdir(tmp_path)) == ["adult.data", "adult.names", "adult.test"]


def test_client_errors_are_not_retried(tmp_path: Path, fault_server) -> None:
    server, base = fault_server
    with pytest.raises(DownloadError, match="HTTP 404"):
        fetch_into(tmp_path, f"{base}/missing.zip")
    assert server.requests["/missing.zip"] == 1


def test_pauses_double_and_the_deadline_bounds_the_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "FIRST_PAUSE_SECONDS", 1.0)
    assert [fetch.pause_before(attempt) for attempt in (2, 3, 4)] == [1.0, 2.0, 4.0]
    now = [0.0]
    calls: list[str] = []

    def failing_once(url: str, deadline: float, deadline_seconds: int, clock) -> bytes:
        calls.append(url)
        raise fetch.RetryableDownloadError(f"{url}: reset")

    original = fetch.download_once
    fetch.download_once = failing_once
    try:
        with pytest.raises(DownloadError, match="gave up after 1 attempts"):
            fetch.download("u", 1, clock=lambda: now[0], sleep=lambda seconds: None)
    finally:
        fetch.download_once = original
    assert calls == ["u"], "no retry when its pause would end past the deadline"


@pytest.mark.parametrize("text", ["0", "-5", "1.5", "x", ""])
def test_the_deadline_must_be_a_positive_number_of_seconds(tmp_path: Path, text: str) -> None:
    with pytest.raises(InputError, match=f"DOWNLOAD_DEADLINE_SECONDS={text!r}"):
        fetch_with_deadline(tmp_path, "http://127.0.0.1:9/adult.zip", text)


@pytest.mark.parametrize("case", REDACTED_URLS, ids=[case["why"] for case in REDACTED_URLS])
def test_a_url_is_shown_without_user_password_or_query(case: dict[str, str]) -> None:
    assert fetch.redacted_url(case["url"]) == case["shown"]


def test_a_signed_url_is_downloaded_and_its_query_never_printed(
    tmp_path: Path, zip_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{zip_server}/adult.zip?X-Amz-Expires=600&{SIGNATURE}"
    assert cli.run(fetch.fetch_main, {"RAW_DATA_DIR": str(tmp_path), "DATA_URL": url}) == 0
    printed = capsys.readouterr()
    assert f"downloading {zip_server}/adult.zip?…\n" in printed.out
    assert "0f1e2d3c" not in printed.out + printed.err
    assert sorted(os.listdir(tmp_path)) == ["adult.data", "adult.names", "adult.test"]


@pytest.mark.parametrize(
    "url, status, shown",
    [
        ("{server}/missing.zip?" + SIGNATURE, EXIT_DOWNLOAD_FAILED, "{server}/missing.zip?…: HTTP 404"),
        ("{server}/corrupt.zip?" + SIGNATURE, EXIT_BAD_INPUT, "{server}/corrupt.zip?…: not a readable zip"),
        # urllib's ValueError quotes the whole URL.
        (
            "127.0.0.1/adult.zip?" + SIGNATURE,
            EXIT_BAD_INPUT,
            "DATA_URL='127.0.0.1/adult.zip?…': unknown url type: '127.0.0.1/adult.zip?…'",
        ),
        # http.client takes user:password@127.0.0.1 for the host and quotes it as a bad port; with a port, the name is not found.
        (
            "http://user:0f1e2d3c@127.0.0.1/adult.zip",
            EXIT_DOWNLOAD_FAILED,
            "http://***@127.0.0.1/adult.zip: nonnumeric port: '…@127.0.0.1'",
        ),
        ("{closed_with_user}", EXIT_DOWNLOAD_FAILED, "http://***@127.0.0.1:"),
    ],
    ids=["HTTP error", "bad archive", "not a URL", "user:password, no port", "user:password, a port"],
)
def test_a_failure_names_the_url_without_its_secrets(
    tmp_path: Path, zip_server: str, capsys: pytest.CaptureFixture[str], url: str, status: int, shown: str
) -> None:
    closed_with_user = datafiles.closed_port_url().replace("http://", "http://user:0f1e2d3c@")
    env = {"RAW_DATA_DIR": str(tmp_path), "DATA_URL": url.format(server=zip_server, closed_with_user=closed_with_user)}
    assert cli.run(fetch.fetch_main, env) == status
    printed = capsys.readouterr()
    assert printed.err.startswith("error: " + shown.format(server=zip_server)), printed.err
    assert "0f1e2d3c" not in printed.out + printed.err
    assert os.listdir(tmp_path) == []
