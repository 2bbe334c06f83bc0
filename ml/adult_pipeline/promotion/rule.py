"""The promotion rule (champion and challenger) and the metrics diff, as pure functions.

A challenger becomes champion only when the gate passed AND its score is not below the champion's
by more than ``max_regression``, both scored on the same rows (the challenger's evaluation rows);
the first model needs only the gate. This is TFX Evaluator's blessing: an absolute threshold plus
a change threshold against the baseline.
"""

from collections.abc import Mapping
from dataclasses import dataclass

# Accuracies are ratios of counts; this keeps "equal within max_regression" from failing on float noise.
TOLERANCE = 1e-12


@dataclass(frozen=True)
class Verdict:
    promoted: bool
    reason: str


def decide(
    gate_passed: bool,
    validation_acc: float,
    threshold: float,
    challenger_score: float | None,
    champion_score: float | None,
    max_regression: float,
) -> Verdict:
    """``*_score``: test accuracy on the challenger's evaluation rows (the challenger's is None when the gate stopped
    the run, the champion's when there is no champion)."""
    if not gate_passed or challenger_score is None:
        return Verdict(False, f"gate failed: validation_acc {validation_acc:.4f} < threshold {threshold}")
    if champion_score is None:
        return Verdict(True, "first model: the gate passed and the registry has no champion")
    change = challenger_score - champion_score
    comparison = f"test_acc {challenger_score:.4f} vs champion {champion_score:.4f} on the same rows ({change:+.4f})"
    if change >= -max_regression - TOLERANCE:
        return Verdict(True, f"{comparison}: not worse than the champion by more than maxRegression {max_regression}")
    return Verdict(False, f"{comparison}: worse than the champion by more than maxRegression {max_regression}")


def metrics_diff(
    old: Mapping[str, float | None], new: Mapping[str, float | None]
) -> dict[str, dict[str, float | None]]:
    """DVC's `metrics diff`: for each metric in ``new``, the old and new value and new - old (None when either is unknown)."""
    return {
        name: {
            "old": old.get(name),
            "new": value,
            "diff": None if value is None or old.get(name) is None else value - old[name],  # type: ignore[operator]
        }
        for name, value in new.items()
    }
