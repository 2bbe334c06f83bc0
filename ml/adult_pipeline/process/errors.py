"""Exit codes shared by every script (defined in contract.py), and the errors that map to them."""

from ..contract import EXIT_BAD_INPUT, EXIT_CRASH, EXIT_DOWNLOAD_FAILED, EXIT_GATE_FAILED, EXIT_OK, EXIT_STOPPED

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_CRASH",
    "EXIT_DOWNLOAD_FAILED",
    "EXIT_GATE_FAILED",
    "EXIT_OK",
    "EXIT_STOPPED",
    "PipelineError",
    "InputError",
    "DownloadError",
]


class PipelineError(Exception):
    """An expected failure: reported as one ``error:`` line on stderr, no traceback."""

    exit_code = EXIT_CRASH


class InputError(PipelineError):
    """Bad input data, a bad setting, or a missing artifact from an earlier stage."""

    exit_code = EXIT_BAD_INPUT


class DownloadError(PipelineError):
    """The network or the HTTP server failed while downloading data."""

    exit_code = EXIT_DOWNLOAD_FAILED
