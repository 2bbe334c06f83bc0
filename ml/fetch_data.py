"""Downloads the UCI Adult originals (adult.data, adult.test, adult.names) into RAW_DATA_DIR.

DATA_URL overrides the zip's address. Files already present with the pinned sha256 are kept
and nothing is downloaded. Exit 0 ok, 2 bad archive or setting, 4 network/HTTP failure."""

import sys

from adult_pipeline.process import stopping

stopping.handle_stop_signals()  # first: a stop while the heavy imports load exits 5 at once

from adult_pipeline.data import fetch  # noqa: E402
from adult_pipeline.process import cli  # noqa: E402

if __name__ == "__main__":
    sys.exit(stopping.finished(cli.run(fetch.fetch_main)))
