"""Loading a model runs no code from its files: xgb is stored in XGBoost's own format with its
preprocessing as JSON, the other models as a pickle unpickled only when its sha256 matches the digest
recorded beside it (and, in the registry, in the version's metadata). Malicious pickles are planted
where a model is loaded and shown never to run."""

import json
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from adult_pipeline.contract import EXIT_BAD_REGISTRY, EXIT_OK
from adult_pipeline.data import features
from adult_pipeline.modelling import model_store
from adult_pipeline.modelling.estimators import MODELS
from adult_pipeline.process.errors import InputError
from adult_pipeline.promotion import registry
from adult_pipeline.run import promote_script, stages


class Planted:
    """Unpickling this writes the file ``marker``: the proof that code from a model file ran."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('ran')",))


def evil_pickle(marker: Path) -> bytes:
    return pickle.dumps(Planted(str(marker)))


@pytest.fixture
def champion_env(work_env: dict[str, str]) -> dict[str, str]:
    """The stage scripts' run (hgb on the sample) promoted as v1."""
    for stage_main in (stages.preprocessing_main, stages.train_main, stages.evaluate_main, promote_script.promote_main):
        assert stage_main(work_env) == EXIT_OK
    return work_env


@pytest.mark.parametrize("name", ["hgb", "logreg"])
def test_a_saved_pickled_model_predicts_as_the_fitted_one(name: str, work_env: dict[str, str], tmp_path: Path) -> None:
    stages.preprocessing_main({**work_env, "MODEL": name})
    x, y = features.split_xy(features.read_processed(str(Path(work_env["PROCESSED_DATA_DIR"]) / "train.csv")))
    fitted = MODELS[name].build(0).fit(x, y)
    model_store.save(str(tmp_path / "m"), name, "run", fitted)
    assert sorted(os.listdir(tmp_path / "m")) == ["model.joblib", "model.json"]
    loaded = model_store.load(str(tmp_path / "m"))
    assert (loaded.model_name, loaded.run_id) == (name, "run")
    assert np.array_equal(loaded.model.predict_proba(x), fitted.predict_proba(x))


def test_a_changed_pickle_is_never_unpickled(work_env: dict[str, str], tmp_path: Path) -> None:
    stages.preprocessing_main(work_env)
    stages.train_main(work_env)
    marker = tmp_path / "ran"
    Path(work_env["MODEL_DIR"], "model.joblib").write_bytes(evil_pickle(marker))
    with pytest.raises(InputError, match=r"model\.joblib: sha256 .* differs from the .* recorded when it was saved"):
        model_store.load(work_env["MODEL_DIR"])
    assert not marker.exists()


def test_a_planted_champion_pickle_does_not_run_and_the_run_stops_with_the_registry_status(
    champion_env: dict[str, str], tmp_path: Path
) -> None:
    """The issue's drill: the champion's model.joblib replaced by a pickle whose __reduce__ writes a file."""
    marker = tmp_path / "ran"
    version = Path(champion_env["REGISTRY_DIR"], "versions", "1")
    (version / "model.joblib").write_bytes(evil_pickle(marker))
    with pytest.raises(
        registry.RegistryError, match=r"champion v1 cannot be re-scored: .*model\.joblib: sha256 .* differs"
    ) as raised:
        promote_script.promote_main(champion_env)
    assert raised.value.exit_code == EXIT_BAD_REGISTRY
    assert not marker.exists()


def test_a_pickle_whose_descriptor_was_rewritten_to_match_is_refused_by_the_recorded_digests(
    champion_env: dict[str, str], tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    version = Path(champion_env["REGISTRY_DIR"], "versions", "1")
    planted = evil_pickle(marker)
    (version / "model.joblib").write_bytes(planted)
    descriptor = json.loads((version / "model.json").read_text())
    descriptor["estimator"]["sha256"] = model_store.sha256_of(planted)
    (version / "model.json").write_text(json.dumps(descriptor))
    with pytest.raises(registry.RegistryError, match=r"model\.json: sha256 .* differs"):
        promote_script.promote_main(champion_env)
    assert not marker.exists()


def test_a_version_without_recorded_digests_is_not_loaded(champion_env: dict[str, str], tmp_path: Path) -> None:
    """A version an older image recorded (no model_files in its metadata) is never unpickled."""
    metadata_file = Path(champion_env["REGISTRY_DIR"], "versions", "1", "metadata.json")
    metadata = json.loads(metadata_file.read_text())
    del metadata["model_files"]
    metadata_file.write_text(json.dumps(metadata))
    with pytest.raises(
        registry.RegistryError,
        match="recorded by an older image, without the sha256 of its model files: it is not loaded",
    ):
        promote_script.promote_main(champion_env)


def test_the_registry_records_the_digest_of_every_model_file(champion_env: dict[str, str]) -> None:
    version = Path(champion_env["REGISTRY_DIR"], "versions", "1")
    recorded = json.loads((version / "metadata.json").read_text())["model_files"]
    assert recorded == {
        name: model_store.sha256_of((version / name).read_bytes()) for name in ("model.json", "model.joblib")
    }


def test_a_foreign_descriptor_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model.json").write_text(json.dumps({"format": "other", "estimator": {}}))
    with pytest.raises(InputError, match=r"model\.json: not a model descriptor saved by train\.py"):
        model_store.load(str(tmp_path))
    shutil.rmtree(tmp_path)
    with pytest.raises(InputError, match=r"model\.json: file not found; expected a model saved by train\.py"):
        model_store.load(str(tmp_path))
