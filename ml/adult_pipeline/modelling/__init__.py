"""The selectable models (MODEL), their tuned hyper-parameters, and a fitted model's files."""
