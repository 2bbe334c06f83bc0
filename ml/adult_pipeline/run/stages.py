"""One function per stage script. Each stage first removes its own outputs and those of the
later stages (an earlier run's files must never pass for this run's), then does its work and
writes its outputs atomically, the file that marks completion last."""

import contextlib
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from ..data import dataset, features
from ..evaluation import cross_validation
from ..modelling import model_store
from ..modelling.estimators import MODELS, single_threaded_openmp
from ..process import artifacts, config, stopping
from ..process.config import Paths, Settings
from ..process.errors import EXIT_GATE_FAILED, EXIT_OK, InputError
from . import result_files

STAGES: tuple[str, ...] = ("preprocessing", "train", "test", "promote")


def stage_outputs(stage: str, paths: Paths) -> tuple[str, ...]:
    return {
        "preprocessing": (paths.train_csv, paths.test_csv, paths.manifest),
        "train": (*model_store.file_names(paths.model_dir), paths.train_metadata),
        "test": (paths.test_metadata,),
        "promote": result_files.outputs(paths),
    }[stage]


def stale_outputs(stage: str, paths: Paths) -> tuple[str, ...]:
    """The outputs of ``stage`` and of every stage after it."""
    later = STAGES[STAGES.index(stage) :]
    return tuple(path for name in later for path in stage_outputs(name, paths))


@contextlib.contextmanager
def running(stage: str, env: Mapping[str, str]) -> Iterator[Settings]:
    """Clears stale outputs (as soon as the folders are known), then validates every setting and runs
    the body; a stop (SIGTERM, SIGINT) removes whatever this stage and the later ones had written."""
    outputs = stale_outputs(stage, config.load_paths(env))
    artifacts.remove_stale(outputs)
    with stopping.removed_on_stop(outputs):
        yield config.load_settings(env)


@dataclass(frozen=True)
class Prepared:
    """What preprocessing did; also written to ``manifest.json`` beside the processed tables."""

    run_id: str
    model: str
    split: str
    seed: int
    data: dict[str, str | None]
    rows: dict[str, int]


def load_clean(path: str, settings: Settings, role: str) -> tuple[dataset.RawTable, pd.DataFrame]:
    """A raw file read (inside RAW_DATA_DIR, within MAX_INPUT_BYTES), validated, cleaned, with both labels."""
    raw = dataset.read_table(path, settings.paths.raw_data_dir, settings.max_input_bytes)
    clean = features.clean(raw.frame, MODELS[settings.model].drops_missing_rows)
    features.check_usable(clean, path, len(raw.frame), role)
    return raw, clean


def load_held_out(settings: Settings) -> tuple[dataset.RawTable, pd.DataFrame] | None:
    """The official test split (``TEST_DATA_FILE``), or None for the random split."""
    path = settings.paths.test_file
    return None if path is None else load_clean(path, settings, "test")


def data_description(raw: dataset.RawTable, test: dataset.RawTable | None) -> dict[str, str | None]:
    return {
        "raw_file": raw.path,
        "raw_sha256": raw.sha256,
        "test_file": test.path if test else None,
        "test_sha256": test.sha256 if test else None,
    }


def preprocess(settings: Settings) -> Prepared:
    paths = settings.paths
    raw, clean = load_clean(paths.raw_file, settings, "training")
    held_out = load_held_out(settings)
    train, test = (clean, held_out[1]) if held_out else features.random_split(clean, settings.seed)
    test_table = held_out[0] if held_out else None
    prepared = Prepared(
        run_id=uuid.uuid4().hex,
        model=settings.model,
        split=settings.split,
        seed=settings.seed,
        data=data_description(raw, test_table),
        rows={
            "raw": len(raw.frame) + (len(test_table.frame) if test_table else 0),
            "clean": len(train) + len(test),
            "train": len(train),
            "test": len(test),
        },
    )
    artifacts.write_csv(paths.train_csv, train)
    artifacts.write_csv(paths.test_csv, test)
    artifacts.write_json(paths.manifest, asdict(prepared))
    return prepared


def read_manifest(settings: Settings) -> dict[str, Any]:
    manifest = artifacts.read_json(settings.paths.manifest, "preprocessing.py")
    if manifest.get("model") != settings.model:
        raise InputError(
            f"{settings.paths.manifest}: the data was preprocessed for MODEL={manifest.get('model')!r}; "
            f"expected MODEL={settings.model!r} (rerun preprocessing.py with the same settings)"
        )
    return manifest


def train(settings: Settings) -> float:
    """Cross-validates and fits the model; returns the validation accuracy."""
    paths = settings.paths
    manifest = read_manifest(settings)
    x, y = features.split_xy(features.read_processed(paths.train_csv))
    spec = MODELS[settings.model]
    with single_threaded_openmp():
        validation_acc = cross_validation.validation_accuracy(spec.build(settings.seed), x, y, settings.seed)
        model = spec.build(settings.seed).fit(x, y)
    model_store.save(paths.model_dir, spec.name, manifest.get("run_id"), model)
    artifacts.write_json(paths.train_metadata, {"validation_acc": validation_acc})
    return validation_acc


@dataclass(frozen=True)
class GateResult:
    validation_acc: float
    threshold: float

    @property
    def passed(self) -> bool:
        return self.validation_acc >= self.threshold

    def describe(self) -> str:
        if self.passed:
            return f"gate passed: validation_acc {self.validation_acc:.4f} >= threshold {self.threshold}"
        return f"gate failed: validation_acc {self.validation_acc:.4f} < threshold {self.threshold}; the process stopped before test"


def gate(settings: Settings) -> GateResult:
    validation_acc = artifacts.read_fraction(settings.paths.train_metadata, "validation_acc", "train.py")
    return GateResult(validation_acc=validation_acc, threshold=settings.threshold)


def this_runs_model(settings: Settings) -> model_store.StoredModel:
    """The model train.py saved in MODEL_DIR, which must be the one trained on this run's processed data."""
    paths = settings.paths
    stored = model_store.load(paths.model_dir)
    if stored.run_id != read_manifest(settings).get("run_id") or stored.model_name != settings.model:
        raise InputError(
            f"{model_store.descriptor_path(paths.model_dir)}: model {stored.model_name!r} was trained on other data than "
            f"{paths.test_csv}; expected train.py to run after preprocessing.py"
        )
    return stored


def evaluate(settings: Settings) -> float:
    """Test accuracy of the saved model on the processed test split."""
    paths = settings.paths
    stored = this_runs_model(settings)
    x, y = features.split_xy(features.read_processed(paths.test_csv))
    with single_threaded_openmp():
        test_acc = cross_validation.accuracy(stored.model, x, y)
    artifacts.write_json(paths.test_metadata, {"test_acc": test_acc})
    return test_acc


def describe_prepared(prepared: Prepared) -> str:
    rows = prepared.rows
    return (
        f"preprocessing: {rows['raw']} rows read, {rows['clean']} kept, {rows['train']} train / {rows['test']} test "
        f"({prepared.split} split, seed {prepared.seed}, MODEL={prepared.model})"
    )


def describe_training(settings: Settings, validation_acc: float) -> str:
    return f"train: MODEL={settings.model} validation_acc {validation_acc:.4f} ({cross_validation.CV_FOLDS}-fold cross-validation)"


def describe_test(test_acc: float) -> str:
    return f"test: test_acc {test_acc:.4f}"


def preprocessing_main(env: Mapping[str, str]) -> int:
    with running("preprocessing", env) as settings:
        print(describe_prepared(preprocess(settings)))
    return EXIT_OK


def train_main(env: Mapping[str, str]) -> int:
    with running("train", env) as settings:
        print(describe_training(settings, train(settings)))
    return EXIT_OK


def gate_main(env: Mapping[str, str]) -> int:
    result = gate(config.load_settings(env))
    print(result.describe())
    return EXIT_OK if result.passed else EXIT_GATE_FAILED


def evaluate_main(env: Mapping[str, str]) -> int:
    with running("test", env) as settings:
        print(describe_test(evaluate(settings)))
    return EXIT_OK
