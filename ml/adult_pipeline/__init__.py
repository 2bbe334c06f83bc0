"""Gated UCI Adult income pipeline: shared code behind the stage scripts in ml/.

Modules: ``config`` (settings from the environment), ``schema`` (columns and labels),
``dataset`` (reading and validating raw files), ``features`` (cleaning and splits),
``models`` (the selectable estimators), ``model_store`` (a fitted model's files, loaded without running them),
``metrics``, ``artifacts`` (atomic files), ``registry`` (versions, the champion pointer, the commit),
``stages`` (one function per stage script), ``gated_run`` (pipeline.py),
``fetch`` (fetch_data.py) and ``cli`` (exit codes and error lines).
"""
