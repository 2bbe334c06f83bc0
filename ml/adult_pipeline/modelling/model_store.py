"""A fitted model on disk, saved and loaded without running code from the files.

A model is two files in one folder (MODEL_DIR, or a registry version's folder)::

    model.json     the descriptor (plain JSON): the model's name, the run it was trained in, its
                   preprocessing as data (xgb: the categories of each categorical column, in code
                   order), and the name, format and sha256 of the estimator file
    model.ubj      xgb (the default): the trees in XGBoost's own UBJSON format, which holds no code
    model.joblib   hgb, logreg (no format of their own without pickle): the sklearn pipeline pickled,
                   unpickled only after its bytes match the sha256 recorded beside it

Every file is read once into memory, its digest checked against the one recorded, and only those
bytes are parsed: a file swapped after the check is never the one loaded. Loading a registry
version also checks model.json against the digest recorded in the version's metadata.json.
"""

import hashlib
import io
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from ..data.schema import CATEGORICAL_FEATURES, NUMERIC_FEATURES
from ..process import artifacts
from ..process.errors import InputError
from .estimators import MODELS, ordinal_encoder

DESCRIPTOR_FILE = "model.json"
XGBOOST_FILE = "model.ubj"
PICKLE_FILE = "model.joblib"
ESTIMATOR_FILES: tuple[str, ...] = (XGBOOST_FILE, PICKLE_FILE)
DESCRIPTOR_FORMAT = "adult-mlops-model/1"
XGBOOST_FORMAT = "xgboost-ubjson"
PICKLE_FORMAT = "joblib-sha256"


@dataclass(frozen=True)
class StoredModel:
    """A loaded model: an sklearn pipeline that takes the processed table's feature columns."""

    model: Pipeline
    model_name: str
    run_id: str | None
    # The bytes it was loaded from, by file name: what the registry copies (and records the digests of).
    files: Mapping[str, bytes]

    @property
    def digests(self) -> dict[str, str]:
        return {name: sha256_of(data) for name, data in self.files.items()}


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_names(folder: str) -> tuple[str, ...]:
    """Every file a saved model may consist of, as paths in ``folder`` (for removing stale ones)."""
    return tuple(os.path.join(folder, name) for name in (DESCRIPTOR_FILE, *ESTIMATOR_FILES))


def descriptor_path(folder: str) -> str:
    return os.path.join(folder, DESCRIPTOR_FILE)


def xgboost_bytes(classifier: Any) -> bytes:
    """The classifier's trees in XGBoost's UBJSON, in memory (a model container has no writable /tmp)."""
    return bytes(classifier.get_booster().save_raw(raw_format="ubj"))


def pickle_bytes(pipeline: Pipeline) -> bytes:
    import joblib

    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer)
    return buffer.getvalue()


def categories_of(pipeline: Pipeline) -> dict[str, list[str]]:
    """The ordinal encoder's categories per categorical column: the preprocessing as data."""
    encoder = pipeline.named_steps["encode"].named_transformers_["categorical"]
    return {
        column: [str(value) for value in values]
        for column, values in zip(CATEGORICAL_FEATURES, encoder.categories_, strict=True)
    }


def estimator_of(model_name: str, pipeline: Pipeline) -> tuple[str, str, bytes]:
    """(file name, format, bytes) of the fitted estimator."""
    if model_name == "xgb":
        return XGBOOST_FILE, XGBOOST_FORMAT, xgboost_bytes(pipeline.named_steps["classify"])
    return PICKLE_FILE, PICKLE_FORMAT, pickle_bytes(pipeline)


def save(folder: str, model_name: str, run_id: str | None, pipeline: Pipeline) -> None:
    """Writes the estimator file, then the descriptor (last: it marks the model complete)."""
    name, file_format, data = estimator_of(model_name, pipeline)
    descriptor: dict[str, Any] = {
        "format": DESCRIPTOR_FORMAT,
        "model_name": model_name,
        "run_id": run_id,
        "estimator": {"file": name, "format": file_format, "sha256": sha256_of(data)},
    }
    if file_format == XGBOOST_FORMAT:
        descriptor["preprocessing"] = {"categories": categories_of(pipeline), "numeric": list(NUMERIC_FEATURES)}
    artifacts.write_bytes(os.path.join(folder, name), data)
    descriptor_bytes = (json.dumps(descriptor, indent=2) + "\n").encode()
    artifacts.write_bytes(descriptor_path(folder), descriptor_bytes)


def read_verified(path: str, expected_sha256: str | None) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found; expected a model saved by train.py (run it first)") from None
    if expected_sha256 is not None and sha256_of(data) != expected_sha256:
        raise InputError(
            f"{path}: sha256 {sha256_of(data)[:12]}… differs from the {expected_sha256[:12]}… recorded when it was saved; "
            "the file was changed or damaged, so it is not loaded"
        )
    return data


def parse_descriptor(path: str, data: bytes) -> dict[str, Any]:
    try:
        descriptor = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not valid JSON ({error}); expected a model descriptor saved by train.py") from None
    estimator = descriptor.get("estimator") if isinstance(descriptor, dict) else None
    if (
        not isinstance(estimator, dict)
        or descriptor.get("format") != DESCRIPTOR_FORMAT
        or descriptor.get("model_name") not in MODELS
        or (estimator.get("file"), estimator.get("format"))
        not in ((XGBOOST_FILE, XGBOOST_FORMAT), (PICKLE_FILE, PICKLE_FORMAT))
        or not isinstance(estimator.get("sha256"), str)
    ):
        raise InputError(
            f"{path}: not a model descriptor saved by train.py ({DESCRIPTOR_FORMAT}); expected train.py's output"
        )
    if estimator["format"] == XGBOOST_FORMAT and descriptor["model_name"] != "xgb":
        raise InputError(
            f"{path}: model {descriptor['model_name']!r} cannot be stored as {XGBOOST_FORMAT}; expected train.py's output"
        )
    return descriptor


def category_table(categories: Mapping[str, list[str]]) -> pd.DataFrame:
    """A table holding every category of every column (numbers 0), on which the encoder is fitted
    with those categories given: its codes are then the training run's codes."""
    rows = max(len(values) for values in categories.values())
    table = {column: [values[row % len(values)] for row in range(rows)] for column, values in categories.items()}
    table.update({column: np.zeros(rows) for column in NUMERIC_FEATURES})
    return pd.DataFrame(table)[list(CATEGORICAL_FEATURES) + list(NUMERIC_FEATURES)]


def xgboost_pipeline(path: str, descriptor: Mapping[str, Any], data: bytes) -> Pipeline:
    preprocessing = descriptor.get("preprocessing")
    categories = preprocessing.get("categories") if isinstance(preprocessing, dict) else None
    if (
        not isinstance(categories, dict)
        or list(categories) != list(CATEGORICAL_FEATURES)
        or not all(
            isinstance(values, list) and values and all(isinstance(v, str) for v in values)
            for values in categories.values()
        )
        or preprocessing.get("numeric") != list(NUMERIC_FEATURES)
    ):
        raise InputError(
            f"{path}: the preprocessing is not the categories of {', '.join(CATEGORICAL_FEATURES)}; expected train.py's output"
        )
    pipeline = MODELS["xgb"].build(0)
    encode = pipeline.named_steps["encode"]
    encode.set_params(categorical=ordinal_encoder([categories[column] for column in CATEGORICAL_FEATURES]))
    encode.fit(category_table(categories))
    try:
        pipeline.named_steps["classify"].load_model(bytearray(data))
    except Exception as error:  # XGBoost raises its own XGBoostError (and others) for a damaged file
        raise InputError(
            f"{path}: unreadable by XGBoost ({type(error).__name__}); expected a model saved by train.py"
        ) from None
    return pipeline


def pickled_pipeline(path: str, data: bytes) -> Pipeline:
    import joblib

    try:
        pipeline = joblib.load(io.BytesIO(data))
    except Exception as error:  # only bytes whose digest matched get here; a damaged file still raises many kinds
        raise InputError(
            f"{path}: unreadable model ({type(error).__name__}); expected a model saved by train.py"
        ) from None
    if not isinstance(pipeline, Pipeline):
        raise InputError(f"{path}: not a model saved by train.py; expected an sklearn pipeline")
    return pipeline


def load(folder: str, recorded: Mapping[str, str] | None = None) -> StoredModel:
    """The model saved in ``folder``. ``recorded``: the registry's digests by file name (model.json's own
    included); without it the descriptor is trusted as the folder's own record (this run's MODEL_DIR)."""
    path = descriptor_path(folder)
    descriptor_bytes = read_verified(path, recorded.get(DESCRIPTOR_FILE) if recorded is not None else None)
    descriptor = parse_descriptor(path, descriptor_bytes)
    estimator = descriptor["estimator"]
    estimator_path = os.path.join(folder, estimator["file"])
    if recorded is not None and recorded.get(estimator["file"]) != estimator["sha256"]:
        raise InputError(
            f"{path}: names {estimator['file']} with a digest the registry did not record; the folder was changed, so it is not loaded"
        )
    data = read_verified(estimator_path, estimator["sha256"])
    if estimator["format"] == XGBOOST_FORMAT:
        pipeline = xgboost_pipeline(path, descriptor, data)
    else:
        pipeline = pickled_pipeline(estimator_path, data)
    files = {DESCRIPTOR_FILE: descriptor_bytes, estimator["file"]: data}
    return StoredModel(pipeline, descriptor["model_name"], descriptor.get("run_id"), files)
