"""An HTTP server that serves one zip well and badly, for the download tests (in process) and the
reliability drills (in a container of the model image, on a network the test creates).

GET /adult.zip: the zip. /short.zip: announces the zip's Content-Length, sends half, closes.
/chunked-broken.zip: chunked, sends half, closes without the last chunk. /trickle.zip: one byte every
0.2 s. /flaky.zip: HTTP 503 to the first request, the zip afterwards. Anything else: 404.
Every request is logged on stderr as `request GET /path`.

Run: python3 faultserver.py ZIP_FILE PORT
"""

import http.server
import sys
import threading
import time
from collections import Counter
from pathlib import Path

TRICKLE_PAUSE_SECONDS = 0.2


class FaultServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], archive: bytes) -> None:
        super().__init__(address, FaultHandler)
        self.archive = archive
        self.requests: Counter[str] = Counter()
        self.lock = threading.Lock()

    def count(self, path: str) -> int:
        """Counts this request to ``path`` and returns how many it has had, this one included."""
        with self.lock:
            self.requests[path] += 1
            return self.requests[path]


class FaultHandler(http.server.BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        print(f"request GET {self.path}", file=sys.stderr, flush=True)
        seen = self.server.count(self.path)
        archive = self.server.archive
        self.close_connection = True
        if self.path == "/adult.zip" or (self.path == "/flaky.zip" and seen > 1):
            self.send_body(archive)
        elif self.path == "/flaky.zip":
            self.send_error(503, "try again later")
        elif self.path == "/short.zip":
            self.send_head(len(archive))
            self.wfile.write(archive[: len(archive) // 2])
        elif self.path == "/chunked-broken.zip":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            half = archive[: len(archive) // 2]
            self.wfile.write(f"{len(half):x}\r\n".encode() + half + b"\r\n")
        elif self.path == "/trickle.zip":
            self.send_head(len(archive))
            try:
                for byte in archive:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(TRICKLE_PAUSE_SECONDS)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up: what the trickle is for
        else:
            self.send_error(404, "no such file")

    def send_head(self, length: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def send_body(self, data: bytes) -> None:
        self.send_head(len(data))
        self.wfile.write(data)


def main(zip_file: str, port: str) -> None:
    server = FaultServer(("0.0.0.0", int(port)), Path(zip_file).read_bytes())
    print(f"serving on port {server.server_address[1]}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:3])
