"""Writes test variants of the shared UCI Adult files into temporary folders (never into the project)."""

import contextlib
import csv
import functools
import http.server
import io
import socket
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

Row = list[str]


def read_lines(source: Path) -> list[str]:
    return source.read_text(encoding="utf-8").splitlines(keepends=True)


def write_sample(source: Path, target: Path, step: int, first_line: bool) -> None:
    """Every ``step``-th row of ``source``, after its first line when ``first_line`` (a header or
    adult.test's comment line) is kept as it is."""
    lines = [line for line in read_lines(source) if line.strip()]
    head, body = (lines[:1], lines[1:]) if first_line else ([], lines)
    target.write_text("".join(head + body[::step]), encoding="utf-8")


def read_csv_rows(source: Path) -> tuple[Row, list[Row]]:
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def write_csv_rows(target: Path, header: Row, rows: Iterable[Row], delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\n").writerows([header, *rows])
    target.write_text(buffer.getvalue(), encoding="utf-8")
    return target


def with_value(header: Row, rows: list[Row], index: int, column: str, value: str) -> list[Row]:
    """A copy of ``rows`` where row ``index`` has ``value`` in ``column``."""
    changed = [list(row) for row in rows]
    changed[index][header.index(column)] = value
    return changed


def without_column(header: Row, rows: list[Row], column: str) -> tuple[Row, list[Row]]:
    position = header.index(column)
    return header[:position] + header[position + 1 :], [row[:position] + row[position + 1 :] for row in rows]


def truncate_last_line(source: Path, target: Path, keep_fraction: float = 0.5) -> Path:
    """A copy of ``source`` whose last row is cut in the middle (and has no final newline)."""
    text = source.read_text(encoding="utf-8").rstrip("\n")
    last_start = text.rindex("\n") + 1
    cut = last_start + int((len(text) - last_start) * keep_fraction)
    target.write_text(text[:cut], encoding="utf-8")
    return target


def keep_rows(header: Row, rows: list[Row], predicate: Callable[[dict[str, str]], bool]) -> list[Row]:
    return [row for row in rows if predicate(dict(zip(header, row, strict=False)))]


def build_zip(target: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def uci_members(data_dir: Path) -> dict[str, bytes]:
    return {name: (data_dir / name).read_bytes() for name in ("adult.data", "adult.test", "adult.names")}


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serves ``folder`` over HTTP on 127.0.0.1 (a free port) and yields the base URL."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (the port was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/adult.zip"
