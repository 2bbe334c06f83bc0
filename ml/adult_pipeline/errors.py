"""The errors every script reports, each mapped to its exit code (defined in contract.py)."""

from .contract import EXIT_BAD_INPUT, EXIT_CRASH, EXIT_DOWNLOAD_FAILED, EXIT_GATE_FAILED, EXIT_OK

__all__ = ["EXIT_OK", "EXIT_CRASH", "EXIT_BAD_INPUT", "EXIT_GATE_FAILED", "EXIT_DOWNLOAD_FAILED", "PipelineError", "InputError", "DownloadError"]


class PipelineError(Exception):
    """An expected failure: reported as one ``error:`` line on stderr, no traceback."""

    exit_code = EXIT_CRASH


class InputError(PipelineError):
    """Bad input data, a bad setting, or a missing artifact from an earlier stage."""

    exit_code = EXIT_BAD_INPUT


class DownloadError(PipelineError):
    """The network or the HTTP server failed while downloading data."""

    exit_code = EXIT_DOWNLOAD_FAILED
