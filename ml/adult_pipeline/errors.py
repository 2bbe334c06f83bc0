"""Exit codes shared by every script, and the errors that map to them."""

EXIT_OK = 0
EXIT_CRASH = 1
EXIT_BAD_INPUT = 2
EXIT_GATE_FAILED = 3
EXIT_DOWNLOAD_FAILED = 4


class PipelineError(Exception):
    """An expected failure: reported as one ``error:`` line on stderr, no traceback."""

    exit_code = EXIT_CRASH


class InputError(PipelineError):
    """Bad input data, a bad setting, or a missing artifact from an earlier stage."""

    exit_code = EXIT_BAD_INPUT


class DownloadError(PipelineError):
    """The network or the HTTP server failed while downloading data."""

    exit_code = EXIT_DOWNLOAD_FAILED
