from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from adult_pipeline.data import dataset, features, schema
from adult_pipeline.process.errors import InputError


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
    assert (len(train), len(test)) == (21113, 9049), "the counts of the split before copies were grouped"
    # A group holding both labels is counted under its first row's label: the shares differ by a little more than rounding.
    assert abs(train[schema.LABEL].mean() - test[schema.LABEL].mean()) < 0.005
    again, _ = features.random_split(clean, seed=42)
    other, _ = features.random_split(clean, seed=7)
    pd.testing.assert_frame_equal(train, again)
    assert not train.equals(other)


def rows_of(frame: pd.DataFrame) -> set[tuple]:
    return set(frame.itertuples(index=False, name=None))


def test_random_split_keeps_every_copy_of_a_row_on_one_side(raw: pd.DataFrame) -> None:
    """Before, 10 copies of a row put some of them on each side, so the test split held rows trained on."""
    clean = features.clean(raw.head(3000), drop_missing_rows=False)
    repeated = pd.concat([clean] * 10, ignore_index=True)
    shuffled = repeated.sample(frac=1, random_state=0).reset_index(drop=True)
    for frame in (clean, repeated, shuffled):
        train, test = features.random_split(frame, seed=42)
        assert len(train) + len(test) == len(frame), "every copy is kept and counted"
        assert not rows_of(train) & rows_of(test)
        assert abs(len(test) / len(frame) - features.TEST_SIZE) < 0.01
        pd.testing.assert_frame_equal(test, features.random_split(frame, seed=42)[1])
    once, _ = features.random_split(clean, seed=42)
    ten, _ = features.random_split(repeated, seed=42)
    assert rows_of(once) == rows_of(ten), "the file repeated trains on the same distinct rows as the file once"


def test_random_split_keeps_rows_that_differ_only_in_the_label_on_one_side(raw: pd.DataFrame) -> None:
    clean = features.clean(raw.head(2000), drop_missing_rows=False)
    relabelled = clean.assign(**{schema.LABEL: 1 - clean[schema.LABEL]})
    train, test = features.random_split(pd.concat([clean, relabelled], ignore_index=True), seed=42)
    profiles = lambda frame: set(frame[list(schema.FEATURES)].itertuples(index=False, name=None))  # noqa: E731
    assert not profiles(train) & profiles(test)


def test_random_split_takes_the_share_of_rows_of_each_label_and_never_all_of_a_label() -> None:
    assert features.rows_per_label_in_test(np.array([24720, 7841])).tolist() == [7417, 2352]  # 9769 of 32561, as before
    frame = pd.DataFrame({"age": np.arange(40.0), schema.LABEL: [0] * 30 + [1] * 10})
    skewed = pd.concat([frame, frame.iloc[[30]].loc[lambda f: f.index.repeat(500)]], ignore_index=True)
    for seed in range(5):
        train, test = features.random_split(skewed, seed)
        assert set(train[schema.LABEL]) == set(test[schema.LABEL]) == {0, 1}, (
            "500 copies of one row cannot take a whole label"
        )
        assert not rows_of(train) & rows_of(test)


def test_check_usable_counts_the_copies_of_a_row_once(raw: pd.DataFrame) -> None:
    clean = features.clean(raw, drop_missing_rows=False)
    rich = clean[clean[schema.LABEL] == 1].drop_duplicates()
    copied = pd.concat([clean[clean[schema.LABEL] == 0]] + [rich.head(9)] * 5)
    with pytest.raises(
        InputError,
        match=r"x.csv: only 9 different rows labelled '>50K' after cleaning \(45 with their copies\); "
        r"expected at least 10 different rows of each label in the training file",
    ):
        features.check_usable(copied, "x.csv", len(copied), "training")
    features.check_usable(pd.concat([copied, rich.iloc[9:10]]), "x.csv", len(copied) + 1, "training")


@pytest.mark.parametrize("role", ["training", "test"])
def test_check_usable_rejects_no_rows_and_a_single_label(raw: pd.DataFrame, role: str) -> None:
    only_missing = raw[raw["workclass"] == "?"]
    with pytest.raises(InputError, match=f"x.csv: no rows left after cleaning.*in the {role} file"):
        features.check_usable(features.clean(only_missing, drop_missing_rows=True), "x.csv", len(only_missing), role)
    one_label = features.clean(raw[raw[schema.LABEL] == "<=50K"], drop_missing_rows=True)
    with pytest.raises(InputError, match=f"only 0 rows labelled '>50K'.*at least 10 of each label in the {role} file"):
        features.check_usable(one_label, "x.csv", len(raw), role)
    few = features.clean(
        pd.concat([raw[raw[schema.LABEL] == "<=50K"], raw[raw[schema.LABEL] == ">50K"].head(9)]), False
    )
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
