"""The service's error answers: a status and ``{"error": ..., "details": [{"input": ..., "problem": ...}]}``,
never the request's payload and never a traceback."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# Enough to fix a request by; a body with thousands of bad values gets the first ones and a count.
MAX_DETAILS = 20


@dataclass(frozen=True)
class Detail:
    input: str
    problem: str


@dataclass
class Problem(Exception):
    status: int
    error: str
    details: Sequence[Detail] = field(default_factory=tuple)

    def body(self) -> dict[str, Any]:
        shown = [{"input": detail.input, "problem": detail.problem} for detail in self.details[:MAX_DETAILS]]
        hidden = len(self.details) - len(shown)
        if hidden > 0:
            shown.append({"input": "", "problem": f"and {hidden} more problems of the same kinds"})
        return {"error": self.error, "details": shown}


def bad_request(error: str, details: Sequence[Detail] = ()) -> Problem:
    return Problem(400, error, details)


def not_found(error: str) -> Problem:
    return Problem(404, error)


def too_large(error: str) -> Problem:
    return Problem(413, error)


def unsupported_media_type(error: str) -> Problem:
    return Problem(415, error)


def unavailable(error: str) -> Problem:
    return Problem(503, error)
