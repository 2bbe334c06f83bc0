"""Gated UCI Adult income pipeline: shared code behind the scripts in ml/. Every module, by subpackage
(ml/README.md's package tree lists them too; test/ml/test_package_tree.py checks both lists):

- ``contract``: the image's contract with its callers (variables, exit codes, metrics fields).
- ``data``: the UCI Adult data. ``data.schema`` (columns and labels), ``data.dataset`` (reading and
  validating raw files), ``data.features`` (cleaning and splits), ``data.fetch`` (fetch_data.py).
- ``modelling``: the models. ``modelling.estimators`` (the selectable estimators, MODEL),
  ``modelling.model_store`` (a fitted model's files, loaded without running them).
- ``evaluation``: figures of a fitted model. ``evaluation.cross_validation`` (validation_acc and test
  accuracy), ``evaluation.scores`` (ROC, precision-recall, calibration), ``evaluation.fairness``
  (per-group figures), ``evaluation.report`` (the report's page and figures).
- ``promotion``: champion and challenger. ``promotion.rule`` (the promotion rule, pure),
  ``promotion.registry`` (versions, the champion pointer, the lock, the commit),
  ``promotion.champion_challenger`` (score, re-score, decide, record, summarise).
- ``process``: what every script's process shares. ``process.config`` (settings from the environment),
  ``process.errors`` (expected failures), ``process.cli`` (exit codes and error lines),
  ``process.stopping`` (SIGTERM and SIGINT), ``process.artifacts`` (atomic files).
- ``run``: the scripts' runs. ``run.stages`` (one function per stage script), ``run.pipeline_script``
  (pipeline.py), ``run.promote_script`` (promote.py), ``run.metrics_line`` (the metrics line and its
  builder), ``run.result_files`` (metrics.json and the report in RESULTS_DIR).
- ``serving``: the prediction service (serve.py). ``serving.server``, ``serving.settings``,
  ``serving.app``, ``serving.inputs``, ``serving.predictor``, ``serving.champion``,
  ``serving.problems``, ``serving.observability``, ``serving.request_log``, ``serving.probe``.
"""
