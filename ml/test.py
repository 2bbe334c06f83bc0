"""Stage 3: accuracy of the saved model on the test split -> RESULTS_DIR/test_metadata.json.

Settings come from the environment (see README.md). Exit 2 on bad input or settings."""

import sys

from adult_pipeline import cli, stages

if __name__ == "__main__":
    sys.exit(cli.run(stages.evaluate_main))
