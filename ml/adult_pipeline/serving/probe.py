"""serve.py --check, the container's health check: run every few seconds, so it imports nothing heavy (the
server's imports take 1.5 s of CPU)."""

import urllib.error
import urllib.request
from collections.abc import Mapping

from .settings import parse_port

CHECK_TIMEOUT_SECONDS = 2.0


def check_main(env: Mapping[str, str]) -> int:
    """0 when the service on SERVE_PORT answers its liveness endpoint, else 1."""
    url = f"http://127.0.0.1:{parse_port(env)}/v2/health/live"
    try:
        with urllib.request.urlopen(url, timeout=CHECK_TIMEOUT_SECONDS) as answer:
            return 0 if answer.status == 200 else 1
    except (urllib.error.URLError, OSError):
        return 1
