"""How a classifier treats each group of a sensitive attribute: pure functions over labels, predictions, groups.

Per group: size, positives (rows labelled >50K), accuracy, selection rate (share predicted >50K),
true-positive and false-positive rates. Per attribute: the demographic-parity difference (largest
minus smallest selection rate) and the equalized-odds difference (the larger of the TPR and FPR
spreads), as fairlearn defines them. Each rate is a ratio of two counts, so the counts can be got
back from a group's figures and groups can be added up (``drawn_groups``).
"""

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

SENSITIVE_ATTRIBUTES: tuple[str, ...] = ("sex", "race")


def ratio(count: int, total: int) -> float | None:
    """``count / total``; None when there is nothing to count (a rate with no rows)."""
    return count / total if total else None


def figures_from_counts(size: int, positives: int, correct: int, selected: int, true_positives: int) -> dict[str, Any]:
    """A group's figures from its counts of rows, labelled >50K, predicted right, predicted >50K, both."""
    return {
        "size": size,
        "positives": positives,
        "accuracy": ratio(correct, size),
        "selection_rate": ratio(selected, size),
        "tpr": ratio(true_positives, positives),
        "fpr": ratio(selected - true_positives, size - positives),
    }


def counts_from_figures(figures: Mapping[str, Any]) -> tuple[int, int, int, int, int]:
    """The counts ``figures_from_counts`` was given: each rate times its denominator, rounded, is its whole numerator."""
    size, positives = figures["size"], figures["positives"]

    def count(rate: float | None, total: int) -> int:
        return 0 if rate is None else round(rate * total)

    return (
        size,
        positives,
        count(figures["accuracy"], size),
        count(figures["selection_rate"], size),
        count(figures["tpr"], positives),
    )


def spread(values: Sequence[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return max(known) - min(known) if known else None


def attribute_figures(labels: np.ndarray, predictions: np.ndarray, groups: np.ndarray) -> dict[str, Any]:
    """Every group's figures, in name order; one sort of the rows, however many groups there are."""
    names, group_of_row = np.unique(groups, return_inverse=True)

    def per_group(hits: np.ndarray) -> list[int]:
        return np.bincount(group_of_row, weights=hits, minlength=names.size).astype(int).tolist()

    counts = zip(
        per_group(np.ones(labels.size)),
        per_group(labels == 1),
        per_group(predictions == labels),
        per_group(predictions == 1),
        per_group((predictions == 1) & (labels == 1)),
        strict=True,
    )
    by_group = {
        str(name): figures_from_counts(*group_counts) for name, group_counts in zip(names.tolist(), counts, strict=True)
    }
    tpr_spread = spread([figures["tpr"] for figures in by_group.values()])
    fpr_spread = spread([figures["fpr"] for figures in by_group.values()])
    odds = [value for value in (tpr_spread, fpr_spread) if value is not None]
    return {
        "groups": by_group,
        "demographic_parity_difference": spread([figures["selection_rate"] for figures in by_group.values()]),
        "equalized_odds_difference": max(odds) if odds else None,
    }


def drawn_groups(by_group: Mapping[str, Mapping[str, Any]], limit: int) -> list[tuple[str, Mapping[str, Any]]]:
    """At most ``limit`` (at least 2) groups to show, largest first: all of them if they are that few, else the
    ``limit - 1`` largest and one "other (k groups)" with the figures of the remaining rows together (from their counts)."""
    ranked = sorted(
        by_group.items(), key=lambda item: -item[1]["size"]
    )  # a stable sort: equal sizes stay in name order
    if len(ranked) <= limit:
        return ranked
    shown, rest = ranked[: limit - 1], ranked[limit - 1 :]
    totals = [sum(column) for column in zip(*(counts_from_figures(figures) for _, figures in rest), strict=True)]
    return shown + [(f"other ({len(rest)} groups)", figures_from_counts(*totals))]


def fairness_figures(
    labels: np.ndarray, predictions: np.ndarray, attributes: Mapping[str, np.ndarray]
) -> dict[str, Any]:
    """``attributes``: attribute name -> the group of each row (its value as text; a Python str per row, never a
    fixed-width NumPy string, whose every row would take the longest value's room)."""
    return {
        name: attribute_figures(labels, predictions, np.array([str(value) for value in attributes[name]], dtype=object))
        for name in SENSITIVE_ATTRIBUTES
    }
