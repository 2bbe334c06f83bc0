"""The selectable models (``MODEL``). Each is an sklearn pipeline that encodes the categorical
columns itself, so the saved model takes the processed table as it is."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder
from threadpoolctl import threadpool_limits

from .schema import CATEGORICAL_FEATURES, NUMERIC_FEATURES


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
    return Pipeline([
        ("encode", encoder(OneHotEncoder(handle_unknown="ignore", sparse_output=False))),
        ("classify", LogisticRegression(max_iter=10000, random_state=seed)),
    ])


def build_hgb(seed: int) -> Pipeline:
    """Gradient-boosted trees on ordinal-encoded categories, used as native categorical features."""
    categorical_mask = [True] * len(CATEGORICAL_FEATURES) + [False] * len(NUMERIC_FEATURES)
    return Pipeline([
        ("encode", encoder(OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan))),
        ("classify", HistGradientBoostingClassifier(categorical_features=categorical_mask, random_state=seed)),
    ])


def single_threaded_openmp() -> AbstractContextManager:
    """Runs OpenMP code (the gradient-boosted trees) on one thread; BLAS (logreg) is left alone.

    Measured on 2 cores: one thread is as fast as two on an idle host (1.7 s vs 1.6 s of
    training), while two spinning threads slowed to minutes when other work shared the CPUs
    (and OMP_WAIT_POLICY=PASSIVE made the idle case 7x slower). It also keeps the result
    independent of the host's CPU count."""
    return threadpool_limits(limits=1, user_api="openmp")


MODELS: dict[str, ModelSpec] = {
    "hgb": ModelSpec("hgb", "HistGradientBoostingClassifier, native categorical features", False, build_hgb),
    "logreg": ModelSpec("logreg", "LogisticRegression(max_iter=10000) on one-hot features (the original)", True, build_logreg),
}
