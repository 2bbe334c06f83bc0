"""Scores of a fitted model on labelled rows, from its predicted probabilities: pure functions."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    auc,
    average_precision_score,
    confusion_matrix,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

CALIBRATION_BINS = 10


@dataclass(frozen=True)
class Scored:
    """Labels (0/1), the probability of the positive class and the 0/1 prediction of one model on one set of rows."""

    labels: np.ndarray
    probabilities: np.ndarray

    @property
    def predictions(self) -> np.ndarray:
        return (self.probabilities >= 0.5).astype(int)


def score(model: object, features: object, labels: Sequence[int]) -> Scored:
    """Predicts with ``model`` (an sklearn classifier with predict_proba) on ``features``."""
    probabilities = model.predict_proba(features)[:, 1]  # type: ignore[attr-defined]
    return Scored(np.asarray(labels, dtype=int), np.asarray(probabilities, dtype=float))


def accuracy(scored: Scored) -> float:
    return float((scored.predictions == scored.labels).mean())


def summary(scored: Scored) -> dict[str, float]:
    """The figures the registry keeps and the report compares: accuracy, ROC AUC, precision-recall AUC (average precision)."""
    return {
        "test_acc": accuracy(scored),
        "roc_auc": float(roc_auc_score(scored.labels, scored.probabilities)),
        "pr_auc": float(average_precision_score(scored.labels, scored.probabilities)),
    }


def confusion(scored: Scored) -> np.ndarray:
    """[[TN, FP], [FN, TP]]."""
    return confusion_matrix(scored.labels, scored.predictions, labels=[0, 1])


def roc(scored: Scored) -> tuple[np.ndarray, np.ndarray, float]:
    fpr, tpr, _ = roc_curve(scored.labels, scored.probabilities)
    return fpr, tpr, float(auc(fpr, tpr))


def precision_recall(scored: Scored) -> tuple[np.ndarray, np.ndarray, float]:
    precision, recall, _ = precision_recall_curve(scored.labels, scored.probabilities)
    return recall, precision, float(average_precision_score(scored.labels, scored.probabilities))


def calibration(scored: Scored) -> tuple[np.ndarray, np.ndarray]:
    """Mean predicted probability and observed positive rate per probability bin."""
    observed, predicted = calibration_curve(scored.labels, scored.probabilities, n_bins=CALIBRATION_BINS)
    return predicted, observed
