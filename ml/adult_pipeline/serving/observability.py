"""The service's Prometheus metrics. With several server processes (SERVE_WORKERS) every process writes its
values into PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode, which serve.py sets up before
anything imports the library) and ``/metrics`` shows their sum; with one, its own registry and process figures."""

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# From a one-row answer (about a millisecond) to a full 10,000-row request.
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.multiprocess_dir = os.environ.get(MULTIPROCESS_VARIABLE)
        if not self.multiprocess_dir:
            ProcessCollector(registry=self.registry)
        self.requests = Counter(
            "adult_requests",
            "Requests answered, by endpoint and HTTP status",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "adult_request_duration_seconds",
            "Time from a request's arrival to its answer, by endpoint",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rows = Counter("adult_rows_predicted", "Rows predicted", registry=self.registry)
        self.unseen = Counter(
            "adult_unseen_categories",
            "Values of a categorical input the served model never saw in training",
            ["input"],
            registry=self.registry,
        )
        self.served_version = Gauge(
            "adult_served_model_version",
            "The registry version served (the oldest any server process serves; 0: none loaded)",
            registry=self.registry,
            multiprocess_mode="livemin",
        )
        self.swaps = Counter(
            "adult_model_swaps",
            "Times a new champion was loaded, checked and served (per server process)",
            registry=self.registry,
        )
        self.failed_swaps = Counter(
            "adult_model_swap_failures",
            "Times a new champion could not be loaded or failed its check, so the old one stayed (per server process)",
            registry=self.registry,
        )
        self.logged = Counter(
            "adult_request_log_records", "Requests written to the request log", registry=self.registry
        )

    def exposition(self) -> bytes:
        """The text format of every metric, summed over the server processes."""
        if not self.multiprocess_dir:
            return generate_latest(self.registry)
        combined = CollectorRegistry()
        MultiProcessCollector(combined, path=self.multiprocess_dir)
        return generate_latest(combined)
