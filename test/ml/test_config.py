import pytest

from adult_pipeline import config, contract
from adult_pipeline.errors import InputError


def test_defaults_match_the_image_contract() -> None:
    settings = config.load_settings({})
    paths = settings.paths
    assert (paths.raw_file, paths.test_file) == ("/data/adult.csv", None)
    assert paths.train_csv == "/work/processed/train.csv"
    assert paths.model_file.startswith("/work/model/")
    assert paths.train_metadata == "/work/results/train_metadata.json"
    assert paths.test_metadata == "/work/results/test_metadata.json"
    defaults = {name: default for name, (default, _) in contract.ENVIRONMENT.items()}
    assert (settings.threshold, settings.model, settings.seed) == (float(defaults["THRESHOLD"]), defaults["MODEL"], int(defaults["SEED"]))
    assert settings.split == "random"


def test_test_data_file_switches_to_the_official_split() -> None:
    settings = config.load_settings({"RAW_DATA_DIR": "/d", "RAW_DATA_FILE": "adult.data", "TEST_DATA_FILE": "adult.test"})
    assert settings.split == "official"
    assert settings.paths.test_file == "/d/adult.test"
    assert config.load_settings({"TEST_DATA_FILE": "  "}).split == "random"


@pytest.mark.parametrize("text, value", [("0", 0.0), ("1", 1.0), ("0.85", 0.85), (" 0.5 ", 0.5)])
def test_threshold_accepts_numbers_in_the_unit_interval(text: str, value: float) -> None:
    assert config.parse_threshold(text) == value


@pytest.mark.parametrize("text", ["abc", "", "1.5", "-0.1", "nan", "inf", "80%"])
def test_threshold_rejects_other_values(text: str) -> None:
    with pytest.raises(InputError, match=r"THRESHOLD=.*expected a number in \[0, 1\]"):
        config.parse_threshold(text)


def test_model_must_be_known() -> None:
    assert [config.parse_model(name) for name in ("xgb", "hgb", "logreg")] == ["xgb", "hgb", "logreg"]
    with pytest.raises(InputError, match="MODEL='xgboost'.*expected one of: xgb, hgb, logreg"):
        config.parse_model("xgboost")


@pytest.mark.parametrize("text", ["-1", "4.2", "x", "", str(2**32)])
def test_seed_must_be_a_non_negative_integer(text: str) -> None:
    with pytest.raises(InputError, match="SEED="):
        config.parse_seed(text)


def test_empty_folder_setting_is_an_error() -> None:
    with pytest.raises(InputError, match="MODEL_DIR is empty"):
        config.load_paths({"MODEL_DIR": ""})
