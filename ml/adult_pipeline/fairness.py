"""How a classifier treats each group of a sensitive attribute: pure functions over labels, predictions, groups.

Per group: size, accuracy, selection rate (share predicted >50K), true-positive and false-positive
rates. Per attribute: the demographic-parity difference (largest minus smallest selection rate) and
the equalized-odds difference (the larger of the TPR and FPR spreads), as fairlearn defines them.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Optional

import numpy as np

SENSITIVE_ATTRIBUTES: tuple[str, ...] = ("sex", "race")


def rate(hits: np.ndarray) -> Optional[float]:
    """Mean of a boolean array; None for an empty one (a rate with no rows to count)."""
    return float(hits.mean()) if hits.size else None


def group_figures(labels: np.ndarray, predictions: np.ndarray) -> dict[str, Any]:
    return {
        "size": int(labels.size),
        "accuracy": rate(predictions == labels),
        "selection_rate": rate(predictions == 1),
        "tpr": rate(predictions[labels == 1] == 1),
        "fpr": rate(predictions[labels == 0] == 1),
    }


def spread(values: Sequence[Optional[float]]) -> Optional[float]:
    known = [value for value in values if value is not None]
    return max(known) - min(known) if known else None


def attribute_figures(labels: np.ndarray, predictions: np.ndarray, groups: np.ndarray) -> dict[str, Any]:
    by_group = {str(name): group_figures(labels[groups == name], predictions[groups == name]) for name in sorted(set(groups.tolist()))}
    tpr_spread = spread([figures["tpr"] for figures in by_group.values()])
    fpr_spread = spread([figures["fpr"] for figures in by_group.values()])
    odds = [value for value in (tpr_spread, fpr_spread) if value is not None]
    return {
        "groups": by_group,
        "demographic_parity_difference": spread([figures["selection_rate"] for figures in by_group.values()]),
        "equalized_odds_difference": max(odds) if odds else None,
    }


def fairness_figures(labels: np.ndarray, predictions: np.ndarray, attributes: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """``attributes``: attribute name -> the group of each row."""
    return {name: attribute_figures(labels, predictions, np.asarray(attributes[name], dtype=str)) for name in SENSITIVE_ATTRIBUTES}
