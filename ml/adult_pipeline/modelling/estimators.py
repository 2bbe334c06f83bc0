"""The selectable models (``MODEL``). Each is an sklearn pipeline that encodes the categorical
columns itself, so the saved model takes the processed table as it is."""

import json
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder
from threadpoolctl import threadpool_limits

from ..data.schema import CATEGORICAL_FEATURES, NUMERIC_FEATURES

# Written by ml/tuning/tune.py (cross-validation on the training file only); see README.md.
TUNED_PARAMS_FILE = Path(__file__).with_name("tuned_params.json")


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str
    # The original's cleaning (drop rows with '?') is needed by models that cannot use
    # an unknown value; the gradient-boosted trees keep those rows and learn from them.
    drops_missing_rows: bool
    build: Callable[[int], Pipeline]


def encoder(categorical: object) -> ColumnTransformer:
    """Encodes the categorical columns with ``categorical`` and passes the numeric ones through."""
    return ColumnTransformer(
        [("categorical", categorical, list(CATEGORICAL_FEATURES)), ("numeric", "passthrough", list(NUMERIC_FEATURES))]
    )


def build_logreg(seed: int) -> Pipeline:
    """The original: one-hot encoded categoricals, unscaled numbers, logistic regression."""
    return Pipeline(
        [
            ("encode", encoder(OneHotEncoder(handle_unknown="ignore", sparse_output=False))),
            ("classify", LogisticRegression(max_iter=10000, random_state=seed)),
        ]
    )


def ordinal_encoder(categories: str | list[list[str]] = "auto") -> OrdinalEncoder:
    """Category codes for the tree models' native categorical splits; an unseen category becomes NaN.
    ``categories``: learnt from the data, or given (a saved model's, see model_store.py)."""
    return OrdinalEncoder(categories=categories, handle_unknown="use_encoded_value", unknown_value=np.nan)


def build_hgb(seed: int) -> Pipeline:
    """Gradient-boosted trees on ordinal-encoded categories, used as native categorical features."""
    categorical_mask = [True] * len(CATEGORICAL_FEATURES) + [False] * len(NUMERIC_FEATURES)
    return Pipeline(
        [
            ("encode", encoder(ordinal_encoder())),
            ("classify", HistGradientBoostingClassifier(categorical_features=categorical_mask, random_state=seed)),
        ]
    )


def xgb_pipeline(seed: int, params: Mapping[str, Any]) -> Pipeline:
    """XGBoost's histogram trees on one thread, with native categorical splits, and ``params`` on top."""
    from xgboost import XGBClassifier  # here, not at the top: Debian 12 (the test host) has no python3-xgboost

    return Pipeline(
        [
            ("encode", encoder(ordinal_encoder())),
            (
                "classify",
                XGBClassifier(
                    tree_method="hist",
                    enable_categorical=True,
                    feature_types=["c"] * len(CATEGORICAL_FEATURES) + ["q"] * len(NUMERIC_FEATURES),
                    n_jobs=1,
                    random_state=seed,
                    **params,
                ),
            ),
        ]
    )


def tuned_params(name: str, path: Path = TUNED_PARAMS_FILE) -> dict[str, Any]:
    """The hyper-parameters ml/tuning/tune.py chose for model ``name``."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)[name]["params"]


def build_xgb(seed: int) -> Pipeline:
    return xgb_pipeline(seed, tuned_params("xgb"))


def single_threaded_openmp() -> AbstractContextManager:
    """Runs OpenMP code (the gradient-boosted trees) on one thread; BLAS (logreg) is left alone.

    Measured on 2 cores: one thread is as fast as two on an idle host (1.7 s vs 1.6 s of
    training), while two spinning threads slowed to minutes when other work shared the CPUs
    (and OMP_WAIT_POLICY=PASSIVE made the idle case 7x slower). It also keeps the result
    independent of the host's CPU count."""
    return threadpool_limits(limits=1, user_api="openmp")


MODELS: dict[str, ModelSpec] = {
    "xgb": ModelSpec(
        "xgb", "XGBClassifier (hist, native categorical features), tuned by cross-validation", False, build_xgb
    ),
    "hgb": ModelSpec("hgb", "HistGradientBoostingClassifier, native categorical features", False, build_hgb),
    "logreg": ModelSpec(
        "logreg", "LogisticRegression(max_iter=10000) on one-hot features (the original)", True, build_logreg
    ),
}
