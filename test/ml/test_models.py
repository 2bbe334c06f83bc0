import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

from adult_pipeline.data import dataset, features
from adult_pipeline.evaluation import cross_validation
from adult_pipeline.modelling import estimators
from adult_pipeline.process import config
from conftest import ML_DIR

# Debian 12 has no python3-xgboost: on such a host, xgb is tested in the image (test_image.py).
HOST_MODELS = sorted(name for name in estimators.MODELS if name != "xgb" or importlib.util.find_spec("xgboost"))
PIPELINE_FIXED = {"n_jobs", "random_state", "tree_method", "enable_categorical", "feature_types"}


def test_every_configured_model_exists() -> None:
    assert sorted(estimators.MODELS) == sorted(config.MODEL_NAMES)
    assert estimators.MODELS["logreg"].drops_missing_rows
    assert not estimators.MODELS["hgb"].drops_missing_rows and not estimators.MODELS["xgb"].drops_missing_rows


def test_importing_the_models_does_not_import_xgboost() -> None:
    probe = (
        "import sys, adult_pipeline.modelling.estimators, adult_pipeline.run.stages; print('xgboost' in sys.modules)"
    )
    result = subprocess.run(["/usr/bin/python3", "-c", probe], cwd=ML_DIR, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_xgb_reads_the_tuned_parameters_and_their_cv_evidence() -> None:
    document = json.loads(estimators.TUNED_PARAMS_FILE.read_text())
    params = estimators.tuned_params("xgb")
    assert params == document["xgb"]["params"]
    assert params["n_estimators"] > 0 and 0 < params["learning_rate"] <= 1
    assert not PIPELINE_FIXED & set(params), "threads, seed and categorical handling are set by the pipeline"
    assert 0.5 < document["xgb"]["cv_accuracy"] < 1 and document["xgb"]["cv_std"] >= 0
    assert document["search"]["data"]["file"] == "adult.data", "tuned on the training file only"


def test_tuned_params_reads_the_named_model(tmp_path: Path) -> None:
    path = tmp_path / "tuned.json"
    path.write_text(json.dumps({"xgb": {"params": {"max_depth": 3}}, "other": {"params": {"max_depth": 9}}}))
    assert estimators.tuned_params("xgb", path) == {"max_depth": 3}


def test_logreg_is_the_original_estimator() -> None:
    classifier = estimators.build_logreg(0).named_steps["classify"]
    assert type(classifier).__name__ == "LogisticRegression" and classifier.max_iter == 10000


def test_hgb_uses_native_categorical_features() -> None:
    classifier = estimators.build_hgb(5).named_steps["classify"]
    assert classifier.random_state == 5
    assert sum(classifier.categorical_features) == len(features.CATEGORICAL_FEATURES)


@pytest.mark.parametrize("name", HOST_MODELS)
def test_models_learn_from_the_sample_and_accept_unseen_categories(sample_dir: Path, name: str) -> None:
    spec = estimators.MODELS[name]
    clean = features.clean(dataset.read_table(str(sample_dir / "sample.data")).frame, spec.drops_missing_rows)
    train, test = features.random_split(clean, seed=0)
    x, y = features.split_xy(train)
    model = spec.build(0).fit(x, y)
    test_x, test_y = features.split_xy(test)
    assert cross_validation.accuracy(model, test_x, test_y) > 0.78
    unseen = test_x.head(3).assign(**{"native.country": "Atlantis", "workclass": "Pirate"})
    assert len(model.predict(unseen)) == 3


def test_validation_accuracy_is_reproducible(sample_dir: Path) -> None:
    clean = features.clean(dataset.read_table(str(sample_dir / "sample.data")).frame, drop_missing_rows=False)
    x, y = features.split_xy(clean)
    first = cross_validation.validation_accuracy(estimators.build_hgb(1), x, y, seed=1)
    assert first == cross_validation.validation_accuracy(estimators.build_hgb(1), x, y, seed=1)
    assert 0.75 < first < 1.0
    assert isinstance(first, float)
