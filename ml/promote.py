"""Promotion: records this run's model in the model registry (REGISTRY_DIR) and makes it the champion
only if the gate passed and it is not worse than the champion, re-scored on the same rows, by more
than MAX_REGRESSION. Writes RESULTS_DIR/metrics.json and report.html; prints a verdict line, then
the metrics JSON as the last line. Run after gate.py (and test.py when the gate passed).

Exit 0 (promoted or rejected: the verdict is in the output), 2 bad input or setting, 6 the registry
is missing or corrupt (nothing written), 7 another run held the registry's lock for
REGISTRY_LOCK_TIMEOUT_SECONDS (nothing written), 5 stopped by SIGTERM or SIGINT (its partial
outputs removed; a version it was committing is committed first, one it had not committed is
settled as aborted by the next run)."""

import sys

from adult_pipeline.process import stopping

stopping.handle_stop_signals()  # first: a stop while the heavy imports load exits 5 at once

from adult_pipeline.process import cli  # noqa: E402
from adult_pipeline.run import promote_script  # noqa: E402

if __name__ == "__main__":
    sys.exit(stopping.finished(cli.run(promote_script.promote_main)))
