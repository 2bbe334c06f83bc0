"""Probabilities from a stored model for rows given column by column, with the training run's own encoding.

The tree models (xgb, hgb) encode each category as its position in the fitted encoder's categories, an
unseen one as missing (estimators.ordinal_encoder). sklearn's ColumnTransformer does that through pandas at
about 1.2 ms a call whatever the rows (measured in the image), most of a one-row prediction; here the same
codes come from a table built from the fitted encoder's own categories, and the classifier gets the array
the pipeline would have handed it (OpenMP is limited to one thread once, when the service starts:
threadpoolctl takes half a millisecond per call, more than the prediction). The one-hot model (logreg) goes through its whole pipeline. A new model
is only served after ``check`` found both ways equal on every category it knows and on an unseen one.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

from ..data.schema import CATEGORICAL_FEATURES, FEATURES, NUMERIC_FEATURES
from ..modelling.model_store import StoredModel, categories_of, category_table

# How far the fast path may differ from the pipeline on the check rows: the same floats, so no further
# than rounding in the classifier.
CHECK_TOLERANCE = 1e-12
# Not a category of any model: stands for the categories a client may send that training never saw.
UNSEEN_CATEGORY = "\x00unseen"

Columns = Mapping[str, Sequence[Any]]


class CheckFailed(Exception):
    """A loaded model that does not predict what its own pipeline predicts (or not a probability)."""


def positive_probabilities(pipeline: Pipeline, frame: pd.DataFrame) -> np.ndarray:
    return np.ascontiguousarray(pipeline.predict_proba(frame)[:, 1], dtype=float)


def frame_of(columns: Columns) -> pd.DataFrame:
    """The processed table's feature columns, as preprocessing.py writes and features.read_processed reads them."""
    table = {name: pd.Series(columns[name], dtype=str) for name in CATEGORICAL_FEATURES}
    table.update({name: pd.Series(columns[name], dtype=float) for name in NUMERIC_FEATURES})
    return pd.DataFrame(table)[list(FEATURES)]


def ordinal_codes(pipeline: Pipeline) -> list[dict[str, float]] | None:
    """Category -> code for each categorical column when the model encodes them ordinally; else None."""
    encode = pipeline.named_steps["encode"]
    encoder = encode.named_transformers_.get("categorical")
    if not isinstance(encoder, OrdinalEncoder) or [name for name, _, _ in encode.transformers_][:2] != [
        "categorical",
        "numeric",
    ]:
        return None
    return [{str(value): float(code) for code, value in enumerate(values)} for values in encoder.categories_]


@dataclass(frozen=True)
class Predictor:
    model_name: str
    pipeline: Pipeline
    categories: Mapping[str, list[str]]
    codes: list[dict[str, float]] | None
    # The categories as sets, built once: every request is checked against them.
    known: Mapping[str, frozenset[str]]

    def probabilities(self, columns: Columns) -> np.ndarray:
        """P(income >50K) for each row."""
        if self.codes is None:
            return positive_probabilities(self.pipeline, frame_of(columns))
        return self.classify(self.encoded(columns))

    def encoded(self, columns: Columns) -> np.ndarray:
        rows = len(columns[FEATURES[0]])
        array = np.empty((rows, len(FEATURES)), dtype=float)
        for position, (name, codes) in enumerate(zip(CATEGORICAL_FEATURES, self.codes or [], strict=False)):
            array[:, position] = [codes.get(value, np.nan) for value in columns[name]]
        for position, name in enumerate(NUMERIC_FEATURES, start=len(CATEGORICAL_FEATURES)):
            array[:, position] = columns[name]
        return array

    def classify(self, encoded: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(self.pipeline.named_steps["classify"].predict_proba(encoded)[:, 1], dtype=float)

    def unseen(self, columns: Columns) -> dict[str, int]:
        """How many values of each categorical input the model never saw in training (only those with any)."""
        counts = {name: sum(value not in self.known[name] for value in columns[name]) for name in CATEGORICAL_FEATURES}
        return {name: count for name, count in counts.items() if count}

    def check(self) -> None:
        """Predicts every known category and an unseen one both ways; CheckFailed when they differ or are
        not probabilities."""
        table = category_table(self.categories)
        table = pd.concat(
            [table, table.head(1).assign(**{name: UNSEEN_CATEGORY for name in CATEGORICAL_FEATURES})], ignore_index=True
        )
        columns = {name: table[name].tolist() for name in FEATURES}
        served = self.probabilities(columns)
        expected = positive_probabilities(self.pipeline, frame_of(columns))
        if not np.all((served >= 0.0) & (served <= 1.0)):
            raise CheckFailed("its check prediction gave values that are not probabilities")
        if not np.allclose(served, expected, rtol=0.0, atol=CHECK_TOLERANCE):
            worst = float(np.max(np.abs(served - expected)))
            raise CheckFailed(f"its check prediction differs from its own pipeline's by {worst:.3g}")


def predictor_of(stored: StoredModel) -> Predictor:
    pipeline = stored.model
    categories = categories_of(pipeline)
    known = {name: frozenset(values) for name, values in categories.items()}
    return Predictor(stored.model_name, pipeline, categories, ordinal_codes(pipeline), known)
