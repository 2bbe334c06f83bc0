"""Stage 1: raw data -> train.csv / test.csv (and manifest.json) in PROCESSED_DATA_DIR.

Settings come from the environment (see README.md). Exit 2 on bad input or settings."""

import sys

from adult_pipeline import cli, stages

if __name__ == "__main__":
    sys.exit(cli.run(stages.preprocessing_main))
