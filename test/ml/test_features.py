from pathlib import Path

import pandas as pd
import pytest

from adult_pipeline import dataset, features, schema
from adult_pipeline.errors import InputError


@pytest.fixture(scope="module")
def raw(data_dir: Path) -> pd.DataFrame:
    return dataset.read_table(str(data_dir / "adult.csv")).frame


def test_clean_drops_rows_with_question_marks_like_the_original(raw: pd.DataFrame) -> None:
    clean = features.clean(raw, drop_missing_rows=True)
    assert len(clean) == 30162
    assert list(clean.columns) == list(schema.PROCESSED_COLUMNS)
    assert not clean[list(schema.MISSING_CHECKED_COLUMNS)].eq("?").any().any()
    assert set(clean[schema.LABEL]) == {0, 1}
    assert int(clean[schema.LABEL].sum()) == int((features.drop_missing(raw)[schema.LABEL] == ">50K").sum())


def test_clean_can_keep_rows_with_question_marks(raw: pd.DataFrame) -> None:
    clean = features.clean(raw, drop_missing_rows=False)
    assert len(clean) == len(raw)
    assert "fnlwgt" not in clean.columns and "education.num" not in clean.columns


def test_random_split_is_stratified_70_30_and_seeded(raw: pd.DataFrame) -> None:
    clean = features.clean(raw, drop_missing_rows=True)
    train, test = features.random_split(clean, seed=42)
    assert (len(train), len(test)) == (21113, 9049)
    assert abs(train[schema.LABEL].mean() - test[schema.LABEL].mean()) < 0.001
    again, _ = features.random_split(clean, seed=42)
    other, _ = features.random_split(clean, seed=7)
    pd.testing.assert_frame_equal(train, again)
    assert not train.equals(other)


@pytest.mark.parametrize("role", ["training", "test"])
def test_check_usable_rejects_no_rows_and_a_single_label(raw: pd.DataFrame, role: str) -> None:
    only_missing = raw[raw["workclass"] == "?"]
    with pytest.raises(InputError, match=f"x.csv: no rows left after cleaning.*in the {role} file"):
        features.check_usable(features.clean(only_missing, drop_missing_rows=True), "x.csv", len(only_missing), role)
    one_label = features.clean(raw[raw[schema.LABEL] == "<=50K"], drop_missing_rows=True)
    with pytest.raises(InputError, match=f"only 0 rows labelled '>50K'.*at least 10 of each label in the {role} file"):
        features.check_usable(one_label, "x.csv", len(raw), role)
    few = features.clean(pd.concat([raw[raw[schema.LABEL] == "<=50K"], raw[raw[schema.LABEL] == ">50K"].head(9)]), False)
    with pytest.raises(InputError, match="only 9 rows labelled '>50K'"):
        features.check_usable(few, "x.csv", len(few), role)


def test_read_processed_round_trip_and_errors(tmp_path: Path, raw: pd.DataFrame) -> None:
    clean = features.clean(raw.head(200), drop_missing_rows=True)
    clean.to_csv(tmp_path / "train.csv", index=False)
    back = features.read_processed(str(tmp_path / "train.csv"))
    assert list(back.columns) == list(schema.PROCESSED_COLUMNS) and len(back) == len(clean)
    with pytest.raises(InputError, match="run it first"):
        features.read_processed(str(tmp_path / "absent.csv"))
    clean.drop(columns=["race"]).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(InputError, match="not a processed table"):
        features.read_processed(str(tmp_path / "bad.csv"))
