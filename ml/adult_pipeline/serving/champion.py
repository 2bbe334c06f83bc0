"""Following the registry's champion: the pointer is read every SERVE_POLL_SECONDS; a new champion is
loaded, checked with a prediction and served from the next request on (one assignment). A version that
cannot be loaded or fails its check is not served: the old one stays, one line says why, and the failure is
counted; it is not tried again until the pointer names another version."""

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from ..modelling import model_store
from ..process.errors import PipelineError
from ..promotion import registry
from .observability import ServiceMetrics
from .predictor import CheckFailed, Predictor, predictor_of
from .problems import not_found

log = logging.getLogger("adult_pipeline.serve")
# Versions served by number (``/versions/{v}/infer``) stay loaded, the most recently used ones.
LOADED_VERSIONS = 4
SERVABLE_VERDICTS = ("promoted", "rejected")


@dataclass(frozen=True)
class Served:
    version: int
    predictor: Predictor


def load_version(version: registry.Version) -> Served:
    """The version's model, its digests checked, and its check prediction passed (else PipelineError/CheckFailed)."""
    digests = version.model_digests
    if digests is None:
        raise PipelineError(
            f"{version.folder}: recorded without model digests (an older image's version), so it is not loaded"
        )
    predictor = predictor_of(model_store.load(version.folder, digests))
    predictor.check()
    return Served(version.number, predictor)


class Champion:
    """The version being served and the thread that follows the pointer."""

    def __init__(
        self,
        root: str,
        poll_seconds: float,
        metrics: ServiceMetrics,
        load: Callable[[registry.Version], Served] = load_version,
    ) -> None:
        self.root = root
        self.poll_seconds = poll_seconds
        self.metrics = metrics
        self.load = load
        self.served: Served | None = None
        self.failed_pointer: int | None = None
        self.by_number: OrderedDict[int, Served] = OrderedDict()
        self.by_number_lock = threading.Lock()
        self.stopped = threading.Event()

    def follow(self) -> None:
        """Checks the pointer now, then in a daemon thread every poll_seconds."""
        self.refresh()
        threading.Thread(target=self.keep_following, name="champion-follower", daemon=True).start()

    def keep_following(self) -> None:
        while not self.stopped.wait(self.poll_seconds):
            self.refresh()

    def refresh(self) -> None:
        try:
            pointer = registry.read_pointer(self.root)
        except PipelineError as error:
            self.fail(None, str(error))
            return
        current = self.served.version if self.served else None
        if pointer is None or pointer == current or pointer == self.failed_pointer:
            return
        try:
            versions = registry.read_versions(self.root)
            champion = registry.champion_of(self.root, versions, pointer)
            assert champion is not None
            started = time.monotonic()
            served = self.load(champion)
        except (PipelineError, CheckFailed, OSError) as error:
            self.fail(pointer, str(error))
            return
        self.served = served
        self.failed_pointer = None
        self.metrics.swaps.inc()
        self.metrics.served_version.set(served.version)
        log.warning(
            "serving version %d (%s), loaded and checked in %.2f s%s",
            served.version,
            served.predictor.model_name,
            time.monotonic() - started,
            f"; it replaces version {current}" if current else "",
        )

    def fail(self, pointer: int | None, reason: str) -> None:
        if pointer is not None and pointer == self.failed_pointer:
            return
        self.failed_pointer = pointer
        self.metrics.failed_swaps.inc()
        still = f"still serving version {self.served.version}" if self.served else "serving no version"
        log.error(
            "could not serve version %s: %s; %s",
            pointer if pointer is not None else "(pointer unreadable)",
            " ".join(reason.split()),
            still,
        )

    def version(self, number: int) -> Served:
        """A version by number, if it is still in the registry and may be served (else a 404)."""
        if self.served and self.served.version == number:
            return self.served
        folder = os.path.join(registry.versions_dir(self.root), str(number))
        with self.by_number_lock:
            if number in self.by_number and os.path.isdir(folder):
                self.by_number.move_to_end(number)
                return self.by_number[number]
        try:
            version = registry.read_versions(self.root).get(number)
        except PipelineError as error:
            raise not_found(
                f"version {number} cannot be read from the registry: {' '.join(str(error).split())}"
            ) from None
        if version is None:
            raise not_found(f"version {number} is not in the registry; GET /v2/models/adult-income lists the versions")
        verdict = version.metadata["verdict"]
        if verdict not in SERVABLE_VERDICTS:
            raise not_found(
                f"version {number} was {verdict}, so it is not served; expected a promoted or rejected version"
            )
        try:
            served = self.load(version)
        except (PipelineError, CheckFailed, OSError) as error:
            raise not_found(f"version {number} cannot be loaded: {' '.join(str(error).split())}") from None
        with self.by_number_lock:
            self.by_number[number] = served
            while len(self.by_number) > LOADED_VERSIONS:
                self.by_number.popitem(last=False)
        return served

    def versions(self) -> list[int]:
        """The servable versions in the registry, oldest first."""
        try:
            found = registry.read_versions(self.root)
        except PipelineError:
            return [self.served.version] if self.served else []
        return [number for number, version in sorted(found.items()) if version.metadata["verdict"] in SERVABLE_VERDICTS]
