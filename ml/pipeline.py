"""The gated run (the image's default command): preprocess -> train -> gate -> test.

Prints one line per stage, then the metrics as one JSON object on the last line of stdout.
Exit status: 0 gate passed, 3 gate failed (test not run, JSON still printed), 2 bad input
or setting. See README.md for the settings and the JSON keys.
"""

import time

STARTED = time.perf_counter()  # before the heavy imports: `seconds.total` includes them

import os  # noqa: E402
import sys  # noqa: E402

from adult_pipeline.process import stopping  # noqa: E402

stopping.handle_stop_signals()  # first: a stop while the heavy imports load exits 5 at once

from adult_pipeline.process import cli  # noqa: E402
from adult_pipeline.run import pipeline_script  # noqa: E402

if __name__ == "__main__":
    sys.exit(stopping.finished(cli.run(lambda env: pipeline_script.pipeline_main(env, STARTED), os.environ)))
