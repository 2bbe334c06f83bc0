"""Figures of a fitted model: cross-validated and test accuracy, scores from probabilities, per-group figures, the report."""
