from pathlib import Path

import pytest

from adult_pipeline import config, dataset, features, metrics, models


def test_every_configured_model_exists() -> None:
    assert sorted(models.MODELS) == sorted(config.MODEL_NAMES)
    assert models.MODELS["logreg"].drops_missing_rows and not models.MODELS["hgb"].drops_missing_rows


def test_logreg_is_the_original_estimator() -> None:
    classifier = models.build_logreg(0).named_steps["classify"]
    assert type(classifier).__name__ == "LogisticRegression" and classifier.max_iter == 10000


def test_hgb_uses_native_categorical_features() -> None:
    classifier = models.build_hgb(5).named_steps["classify"]
    assert classifier.random_state == 5
    assert sum(classifier.categorical_features) == len(features.CATEGORICAL_FEATURES)


@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_models_learn_from_the_sample_and_accept_unseen_categories(sample_dir: Path, name: str) -> None:
    spec = models.MODELS[name]
    clean = features.clean(dataset.read_table(str(sample_dir / "sample.data")).frame, spec.drops_missing_rows)
    train, test = features.random_split(clean, seed=0)
    x, y = features.split_xy(train)
    model = spec.build(0).fit(x, y)
    test_x, test_y = features.split_xy(test)
    assert metrics.accuracy(model, test_x, test_y) > 0.78
    unseen = test_x.head(3).assign(**{"native.country": "Atlantis", "workclass": "Pirate"})
    assert len(model.predict(unseen)) == 3


def test_validation_accuracy_is_reproducible(sample_dir: Path) -> None:
    clean = features.clean(dataset.read_table(str(sample_dir / "sample.data")).frame, drop_missing_rows=False)
    x, y = features.split_xy(clean)
    first = metrics.validation_accuracy(models.build_hgb(1), x, y, seed=1)
    assert first == metrics.validation_accuracy(models.build_hgb(1), x, y, seed=1)
    assert 0.75 < first < 1.0
    assert isinstance(first, float)
