"""Downloads the UCI Adult originals (adult.data, adult.test, adult.names) into RAW_DATA_DIR.

DATA_URL overrides the zip's address. Files already present with the pinned sha256 are kept
and nothing is downloaded. Exit 0 ok, 2 bad archive or setting, 4 network/HTTP failure."""

import sys

from adult_pipeline import cli, fetch

if __name__ == "__main__":
    sys.exit(cli.run(fetch.fetch_main))
