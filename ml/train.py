"""Stage 2: 3-fold cross-validation and fit -> RESULTS_DIR/train_metadata.json and MODEL_DIR/model.joblib.

Settings come from the environment (see README.md). Exit 2 on bad input or settings."""

import sys

from adult_pipeline.process import stopping

stopping.handle_stop_signals()  # first: a stop while the heavy imports load exits 5 at once

from adult_pipeline.process import cli  # noqa: E402
from adult_pipeline.run import stages  # noqa: E402

if __name__ == "__main__":
    sys.exit(stopping.finished(cli.run(stages.train_main)))
