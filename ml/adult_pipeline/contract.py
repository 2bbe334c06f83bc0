"""The image's contract with its callers, as Python reads it from contract.json (the one file that
states it; contracts/modelImage.ts imports the same file): the variables it reads with their
defaults, how every script exits, the fields of the gated run's metrics line."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_CONTRACT: Mapping[str, Any] = json.loads(Path(__file__).with_name("contract.json").read_text(encoding="utf-8"))

MODEL_NAMES: tuple[str, ...] = tuple(_CONTRACT["modelNames"])

# name -> (default when unset, meaning)
ENVIRONMENT: Mapping[str, tuple[str, str]] = {
    name: (variable["default"], variable["meaning"]) for name, variable in _CONTRACT["environment"].items()
}

_EXIT: Mapping[str, int] = {name: status["code"] for name, status in _CONTRACT["exitStatus"].items()}
EXIT_OK = _EXIT["ok"]
EXIT_CRASH = _EXIT["crash"]
EXIT_BAD_INPUT = _EXIT["badInput"]
EXIT_GATE_FAILED = _EXIT["gateFailed"]
EXIT_DOWNLOAD_FAILED = _EXIT["downloadFailed"]
EXIT_STOPPED = _EXIT["stopped"]
EXIT_BAD_REGISTRY = _EXIT["badRegistry"]
EXIT_REGISTRY_BUSY = _EXIT["registryBusy"]

METRICS_FIELDS: tuple[str, ...] = tuple(_CONTRACT["metricsFields"])

# The registry verdicts a metrics line can carry; "not recorded": no registry on this build host.
METRICS_VERDICTS: tuple[str, ...] = tuple(_CONTRACT["registryVerdicts"])
