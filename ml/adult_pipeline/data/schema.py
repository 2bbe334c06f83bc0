"""The UCI Adult columns, which of them the models use, and the label values."""

RAW_COLUMNS: tuple[str, ...] = (
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education.num",
    "marital.status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital.gain",
    "capital.loss",
    "hours.per.week",
    "native.country",
    "income",
)
LABEL = "income"
NEGATIVE_LABEL = "<=50K"
POSITIVE_LABEL = ">50K"
LABELS: tuple[str, ...] = (NEGATIVE_LABEL, POSITIVE_LABEL)

# Dropped by preprocessing, as in the original: a sampling weight and a copy of `education`.
DROPPED_COLUMNS: tuple[str, ...] = ("fnlwgt", "education.num")
NUMERIC_FEATURES: tuple[str, ...] = ("age", "capital.gain", "capital.loss", "hours.per.week")
CATEGORICAL_FEATURES: tuple[str, ...] = (
    "workclass",
    "education",
    "marital.status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "native.country",
)
FEATURES: tuple[str, ...] = CATEGORICAL_FEATURES + NUMERIC_FEATURES
# The columns a raw file must have (any others, such as the dropped ones, are ignored).
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c for c in RAW_COLUMNS if c not in DROPPED_COLUMNS)
PROCESSED_COLUMNS: tuple[str, ...] = FEATURES + (LABEL,)
# Every numeric column of the UCI file, used or dropped: a count, an amount or a weight, never negative.
# The dropped ones are checked too when a file has them (a value outside the domain marks a broken file).
NON_NEGATIVE_COLUMNS: tuple[str, ...] = (
    "age",
    "fnlwgt",
    "education.num",
    "capital.gain",
    "capital.loss",
    "hours.per.week",
)

MISSING_VALUE = "?"
# The original drops rows with a missing value in these columns (the only ones that have any).
MISSING_CHECKED_COLUMNS: tuple[str, ...] = ("workclass", "occupation", "native.country")


def normalize_column_name(name: str) -> str:
    """Maps header spellings such as ``Education-Num`` or ``education_num`` to ``education.num``."""
    return name.strip().lower().replace("-", ".").replace("_", ".").replace(" ", ".")
