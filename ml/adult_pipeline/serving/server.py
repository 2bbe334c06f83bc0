"""Starting the service (serve.py).

uvicorn runs SERVE_WORKERS server processes (one Python process answers about 1,400 one-row requests a
second here, short of what 64 clients ask for); each builds its app with ``worker_app``: its own champion
follower, request log slot and metrics values (summed by observability.py)."""

import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping

from fastapi import FastAPI

from ..promotion import registry
from .observability import MULTIPROCESS_VARIABLE

LISTEN_ADDRESS = "0.0.0.0"  # inside the container; the stack publishes the port on 127.0.0.1 only
# What docker stop waits for: requests in flight are answered, then the processes end.
GRACEFUL_SHUTDOWN_SECONDS = 5
LOG_FORMAT = "serve: %(message)s"


def prepare_metrics_folder(env: Mapping[str, str]) -> str | None:
    """With several processes, an empty folder for their metrics, named in the environment the workers inherit
    (before prometheus_client is imported: it reads the variable then). Returns it, or None with one process."""
    from .settings import parse_workers

    if parse_workers(env) == 1:
        os.environ.pop(MULTIPROCESS_VARIABLE, None)
        return None
    folder = tempfile.mkdtemp(prefix="serve-metrics-")
    os.environ[MULTIPROCESS_VARIABLE] = folder
    return folder


def worker_app() -> FastAPI:
    """One server process's app (uvicorn's factory): settings from the environment, the champion followed."""
    from threadpoolctl import threadpool_limits

    from .app import Service, create_app
    from .champion import Champion
    from .observability import ServiceMetrics
    from .request_log import RequestLog
    from .settings import load_serve_settings

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=sys.stderr)
    settings = load_serve_settings(os.environ)
    threadpool_limits(limits=1, user_api="openmp")  # for the process' life (estimators.single_threaded_openmp says why)
    metrics = ServiceMetrics()
    request_log = (
        RequestLog(
            settings.request_log_dir, settings.request_log_sample_rate, settings.request_log_max_bytes, settings.workers
        )
        if settings.request_log_dir
        else None
    )
    champion = Champion(settings.registry_dir, settings.poll_seconds, metrics)
    champion.follow()
    return create_app(Service(settings, champion, metrics, request_log))


def serve_main(env: Mapping[str, str], metrics_folder: str | None) -> int:
    import uvicorn

    from .settings import load_serve_settings

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=sys.stderr)
    settings = load_serve_settings(env)
    registry.check_root(settings.registry_dir)
    if settings.request_log_dir and not os.access(settings.request_log_dir, os.W_OK):
        raise PermissionError(
            13,
            "not writable: the request log's folder (mount a volume there, or set REQUEST_LOG_DIR empty)",
            settings.request_log_dir,
        )
    logging.getLogger("adult_pipeline.serve").warning(
        "listening on port %d with %d processes; following %s every %g s; request log: %s",
        settings.port,
        settings.workers,
        settings.registry_dir,
        settings.poll_seconds,
        f"{settings.request_log_dir} ({settings.request_log_sample_rate:g} of requests)"
        if settings.request_log_dir
        else "off",
    )
    try:
        uvicorn.run(
            f"{__name__}:worker_app",
            factory=True,
            workers=settings.workers,
            host=LISTEN_ADDRESS,
            port=settings.port,
            access_log=False,
            log_level="warning",
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
    finally:
        if metrics_folder:
            shutil.rmtree(metrics_folder, ignore_errors=True)
    return 0
