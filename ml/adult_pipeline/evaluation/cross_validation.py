"""Accuracy figures: cross-validated on the training split, plain on the test split."""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.model_selection import PredefinedSplit, StratifiedKFold, cross_val_score

from ..data.features import first_rows, row_groups

CV_FOLDS = 3


def profile_groups(features: pd.DataFrame) -> np.ndarray:
    """The cross-validation's groups: rows with the same features form one, whatever their labels. Copies
    of a row are such rows; so are rows that differ only in the label, which split across a fold would be
    tested against the very profile the model was just taught with the other label."""
    return row_groups(features)


def grouped_folds(groups: np.ndarray, labels: np.ndarray, seed: int) -> PredefinedSplit:
    """``CV_FOLDS`` folds in which a group's rows all sit in one fold: the groups (each by its first row and
    that row's label) are dealt into folds stratified on the label and shuffled by ``seed``, and every row
    follows its group.

    sklearn's StratifiedGroupKFold does the same but assigns the groups one at a time in Python: for the
    29,096 distinct rows of adult.data that took 8.4 s in the image (21.7 s on the test host) against 1.6 s
    for the whole training stage; this takes milliseconds."""
    firsts = first_rows(groups)
    fold_of_group = np.empty(len(firsts), dtype=int)
    dealt = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed).split(firsts, labels[firsts])
    for fold, (_, in_fold) in enumerate(dealt):
        fold_of_group[in_fold] = fold
    return PredefinedSplit(fold_of_group[groups])


def validation_accuracy(model: BaseEstimator, features: pd.DataFrame, labels: pd.Series, seed: int) -> float:
    """Mean accuracy of a stratified, seeded 3-fold cross-validation (``model`` is cloned, not fitted).
    Copies of a row never sit on both sides of a fold: one in the training folds would predict the
    other, so repeating the data would raise the figure (10 copies of adult.data: 0.8870 against 0.8739)."""
    folds = grouped_folds(profile_groups(features), labels.to_numpy(), seed)
    return float(cross_val_score(model, features, labels, cv=folds, scoring="accuracy").mean())


def accuracy(model: BaseEstimator, features: pd.DataFrame, labels: pd.Series) -> float:
    return float((model.predict(features) == labels.to_numpy()).mean())
