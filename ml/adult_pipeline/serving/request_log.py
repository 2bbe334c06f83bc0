"""The request log: a sampled JSON line per prediction request, with its inputs and outputs (the raw
material of a drift check), in REQUEST_LOG_DIR. Each server process takes a slot N (the first whose lock,
``requests-N.lock``, it can hold) and writes ``requests-N.jsonl`` with one rotated ``requests-N.jsonl.1``;
together the files stay within REQUEST_LOG_MAX_BYTES. Nothing else is written there."""

import fcntl
import logging
import logging.handlers
import os
import random
from collections.abc import Mapping
from typing import Any

import orjson


def take_slot(folder: str, slots: int) -> tuple[int, int]:
    """(slot, descriptor of its held lock): the first slot no other process holds."""
    for slot in range(slots):
        descriptor = os.open(os.path.join(folder, f"requests-{slot}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return slot, descriptor
        except BlockingIOError:
            os.close(descriptor)
    raise RuntimeError(f"{folder}: all {slots} request log slots are held by other processes")


class RequestLog:
    def __init__(
        self, folder: str, sample_rate: float, max_bytes: int, processes: int, draw: random.Random | None = None
    ) -> None:
        self.slot, self.lock = take_slot(folder, processes)
        # Each process's live file and its rotated copy get an equal share of the cap; a larger record is not written.
        self.record_limit = max_bytes // (2 * processes)
        self.sample_rate = sample_rate
        self.draw = draw or random.Random()
        self.path = os.path.join(folder, f"requests-{self.slot}.jsonl")
        handler = logging.handlers.RotatingFileHandler(
            self.path, maxBytes=self.record_limit, backupCount=1, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(message)s"))
        self.logger = logging.getLogger(f"adult_pipeline.request_log.{self.path}")
        self.logger.propagate = False
        self.logger.setLevel(logging.INFO)
        self.logger.handlers = [handler]

    def sampled(self) -> bool:
        return self.sample_rate > 0.0 and self.draw.random() < self.sample_rate

    def write(self, record: Mapping[str, Any]) -> bool:
        """Writes one record; False when it is too large to keep within the cap."""
        line = orjson.dumps(record, option=orjson.OPT_SERIALIZE_NUMPY).decode()
        if len(line.encode()) + 1 > self.record_limit:
            return False
        self.logger.info(line)
        return True
