"""The prediction service: the registry's champion (REGISTRY_DIR, mounted read-only) behind the Open
Inference Protocol v2 (/v2/...) and MLflow's /invocations, following promotions without a restart.
``serve.py --check`` exits 0 when the service answers (the container's health check).

Settings come from the environment (SERVE_*, REQUEST_LOG_*; see README.md). Exit 2 on a bad setting or
an unwritable request log folder, 6 when REGISTRY_DIR is not a folder."""

import os
import sys

from adult_pipeline.process import cli


def main() -> int:
    if sys.argv[1:] == ["--check"]:
        from adult_pipeline.serving import probe

        return cli.run(probe.check_main, os.environ)
    from adult_pipeline.serving import server

    return cli.run(lambda env: server.serve_main(env, server.prepare_metrics_folder(env)), os.environ)


if __name__ == "__main__":
    sys.exit(main())
