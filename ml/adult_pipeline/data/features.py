"""Cleaning, splitting and the model-ready table (features plus a 0/1 label)."""

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..process.errors import InputError
from .schema import (
    CATEGORICAL_FEATURES,
    FEATURES,
    LABEL,
    LABELS,
    MISSING_CHECKED_COLUMNS,
    MISSING_VALUE,
    NUMERIC_FEATURES,
    POSITIVE_LABEL,
    PROCESSED_COLUMNS,
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
    """A training or test file must keep rows of both labels after cleaning, ``MIN_ROWS_PER_LABEL`` of each,
    and as many different ones (copies of a row count once): with one class a model cannot be trained, nor
    its accuracy measured, and the split and the folds keep the copies of a row together."""
    if frame.empty:
        raise InputError(
            f"{path}: no rows left after cleaning ({raw_rows} read, all with '?' in "
            f"{', '.join(MISSING_CHECKED_COLUMNS)}); expected complete rows in the {role} file"
        )
    distinct = frame.drop_duplicates()
    for value, label in enumerate(LABELS):
        count = int((frame[LABEL] == value).sum())
        if count < MIN_ROWS_PER_LABEL:
            raise InputError(
                f"{path}: only {count} rows labelled {label!r} after cleaning; "
                f"expected at least {MIN_ROWS_PER_LABEL} of each label in the {role} file"
            )
        different = int((distinct[LABEL] == value).sum())
        if different < MIN_ROWS_PER_LABEL:
            raise InputError(
                f"{path}: only {different} different rows labelled {label!r} after cleaning ({count} with their copies); "
                f"expected at least {MIN_ROWS_PER_LABEL} different rows of each label in the {role} file"
            )


def row_groups(frame: pd.DataFrame) -> np.ndarray:
    """One group number per row: identical rows (equal in every column) share one, numbered 0, 1, ... in the
    order of their first appearance, so the numbering depends on the rows alone. Rows are told apart by
    pandas' 64-bit row hash (a collision, about 1 in 10**8 for a million rows, would only join two groups)."""
    return pd.factorize(pd.util.hash_pandas_object(frame, index=False))[0]


def first_rows(groups: np.ndarray) -> np.ndarray:
    """The position of each group's first row, in group order (one row standing for its copies)."""
    return np.unique(groups, return_index=True)[1]


def rows_per_label_in_test(label_rows: np.ndarray) -> np.ndarray:
    """How many rows of each label the test split gets: ``TEST_SIZE`` of all rows, rounded up as sklearn's
    train_test_split does, shared in proportion to the labels' rows."""
    total = math.ceil(TEST_SIZE * label_rows.sum())
    shares = np.round(total * label_rows / label_rows.sum()).astype(int)
    shares[-1] = total - shares[:-1].sum()
    return shares


def random_split(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stratified 70/30 split, reproducible through ``seed``, in which all rows with the same features
    (copies of a row, and rows that differ only in the label) stay on one side: no profile is both trained
    on and tested (a copy in the training split would inflate test_acc).

    The groups are ranked by their first row's label; each label's groups are shuffled and the test split
    takes them in that order, each with all its rows, until it holds the share of that label's rows closest
    to ``rows_per_label_in_test`` (at least one group, and never all of them). Without such groups that is
    exactly the rows train_test_split would count. Each side keeps the rows in the order of ``frame``."""
    groups = row_groups(frame.drop(columns=LABEL))
    group_rows = np.bincount(groups)
    group_labels = frame[LABEL].to_numpy()[first_rows(groups)]
    order = np.random.RandomState(seed).permutation(len(group_rows))
    labels = np.unique(group_labels)
    targets = rows_per_label_in_test(np.array([group_rows[group_labels == label].sum() for label in labels]))
    test_groups = np.zeros(len(group_rows), dtype=bool)
    for label, target in zip(labels, targets, strict=True):
        shuffled = order[group_labels[order] == label]
        taken = np.concatenate([[0], np.cumsum(group_rows[shuffled])])
        count = int(np.clip(np.abs(taken - target).argmin(), 1, len(shuffled) - 1))
        test_groups[shuffled[:count]] = True
    in_test = test_groups[groups]
    return frame.loc[~in_test].reset_index(drop=True), frame.loc[in_test].reset_index(drop=True)


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
