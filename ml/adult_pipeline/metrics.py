"""Accuracy figures: cross-validated on the training split, plain on the test split."""

import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.model_selection import StratifiedKFold, cross_val_score

CV_FOLDS = 3


def validation_accuracy(model: BaseEstimator, features: pd.DataFrame, labels: pd.Series, seed: int) -> float:
    """Mean accuracy of a stratified, seeded 3-fold cross-validation (``model`` is cloned, not fitted)."""
    folds = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed)
    return float(cross_val_score(model, features, labels, cv=folds, scoring="accuracy").mean())


def accuracy(model: BaseEstimator, features: pd.DataFrame, labels: pd.Series) -> float:
    return float((model.predict(features) == labels.to_numpy()).mean())
