"""Cleaning, splitting and the model-ready table (features plus a 0/1 label)."""

from collections.abc import Sequence

import pandas as pd
from sklearn.model_selection import train_test_split

from .errors import InputError
from .schema import (
    CATEGORICAL_FEATURES, FEATURES, LABEL, LABELS, MISSING_CHECKED_COLUMNS, MISSING_VALUE,
    NUMERIC_FEATURES, POSITIVE_LABEL, PROCESSED_COLUMNS,
)

TEST_SIZE = 0.3
# Enough rows of each label for a stratified 70/30 split and 3-fold cross-validation.
MIN_ROWS_PER_LABEL = 10


def drop_missing(frame: pd.DataFrame, columns: Sequence[str] = MISSING_CHECKED_COLUMNS) -> pd.DataFrame:
    """Drops the rows with ``?`` in any of ``columns`` (the original's cleaning)."""
    keep = ~frame[list(columns)].eq(MISSING_VALUE).any(axis=1)
    return frame.loc[keep]


def clean(frame: pd.DataFrame, drop_missing_rows: bool) -> pd.DataFrame:
    """The processed table: the used features and the label as 0/1 (1 for ``>50K``)."""
    kept = drop_missing(frame) if drop_missing_rows else frame
    processed = kept[list(FEATURES)].copy()
    processed[LABEL] = (kept[LABEL] == POSITIVE_LABEL).astype(int)
    return processed.reset_index(drop=True)


def check_usable(frame: pd.DataFrame, path: str, raw_rows: int, role: str) -> None:
    """A training or test file must keep rows of both labels after cleaning, ``MIN_ROWS_PER_LABEL`` of each:
    with one class a model cannot be trained, nor its accuracy measured."""
    if frame.empty:
        raise InputError(
            f"{path}: no rows left after cleaning ({raw_rows} read, all with '?' in "
            f"{', '.join(MISSING_CHECKED_COLUMNS)}); expected complete rows in the {role} file"
        )
    for value, label in enumerate(LABELS):
        count = int((frame[LABEL] == value).sum())
        if count < MIN_ROWS_PER_LABEL:
            raise InputError(
                f"{path}: only {count} rows labelled {label!r} after cleaning; "
                f"expected at least {MIN_ROWS_PER_LABEL} of each label in the {role} file"
            )


def random_split(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stratified 70/30 split, reproducible through ``seed``."""
    train, test = train_test_split(frame, test_size=TEST_SIZE, stratify=frame[LABEL], random_state=seed)
    return train.reset_index(drop=True), test.reset_index(drop=True)


def split_xy(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    return frame[list(FEATURES)], frame[LABEL]


def read_processed(path: str) -> pd.DataFrame:
    """Reads a ``train.csv`` / ``test.csv`` written by preprocessing, checking its columns."""
    dtypes = {**{c: str for c in CATEGORICAL_FEATURES}, **{c: float for c in NUMERIC_FEATURES}, LABEL: int}
    try:
        frame = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_filter=False)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found; expected the output of preprocessing.py (run it first)") from None
    except (ValueError, pd.errors.ParserError) as error:
        raise InputError(f"{path}: unreadable ({error}); expected the output of preprocessing.py") from None
    if tuple(frame.columns) != PROCESSED_COLUMNS or frame.empty:
        raise InputError(f"{path}: not a processed table; expected the columns {', '.join(PROCESSED_COLUMNS)}")
    return frame
