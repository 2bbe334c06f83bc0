"""The stage functions and script mains, in process, on a sample of the real data."""

import json
import os
import signal
from pathlib import Path

import pytest

from adult_pipeline.modelling import model_store
from adult_pipeline.process import config, stopping
from adult_pipeline.process.errors import EXIT_GATE_FAILED, EXIT_OK, EXIT_STOPPED, InputError
from adult_pipeline.run import stages


def run_all(env: dict[str, str]) -> tuple[stages.Prepared, float, float]:
    settings = config.load_settings(env)
    prepared = stages.preprocess(settings)
    return prepared, stages.train(settings), stages.evaluate(settings)


def read(path: str) -> dict:
    return json.loads(Path(path).read_text())


@pytest.mark.parametrize("model", ["hgb", "logreg"])
def test_stages_write_the_original_files(work_env: dict[str, str], model: str) -> None:
    env = {**work_env, "MODEL": model}
    prepared, validation_acc, test_acc = run_all(env)
    paths = config.load_paths(env)
    assert read(paths.train_metadata) == {"validation_acc": validation_acc}
    assert read(paths.test_metadata) == {"test_acc": test_acc}
    assert 0.78 < validation_acc < 1 and 0.78 < test_acc < 1
    assert Path(model_store.descriptor_path(paths.model_dir)).is_file()
    rows = prepared.rows
    assert rows["train"] + rows["test"] == rows["clean"] <= rows["raw"]
    assert abs(rows["test"] / rows["clean"] - 0.3) < 0.001
    assert (rows["clean"] < rows["raw"]) == (model == "logreg")
    assert read(paths.manifest)["run_id"] == prepared.run_id


def test_official_split_uses_the_test_file(work_env: dict[str, str], sample_dir: Path) -> None:
    env = {**work_env, "RAW_DATA_FILE": "sample.data", "TEST_DATA_FILE": "sample.test"}
    prepared, _, test_acc = run_all(env)
    test_rows = len((sample_dir / "sample.test").read_text().splitlines()) - 1
    assert prepared.split == "official"
    assert prepared.rows["test"] == test_rows
    assert prepared.data["test_file"].endswith("sample.test") and len(prepared.data["test_sha256"]) == 64
    assert test_acc > 0.8


def test_same_settings_give_identical_results(work_env: dict[str, str], tmp_path: Path) -> None:
    _, first_validation, first_test = run_all(work_env)
    first_train = Path(work_env["PROCESSED_DATA_DIR"], "train.csv").read_bytes()
    other = {
        **work_env,
        "PROCESSED_DATA_DIR": str(tmp_path / "p2"),
        "MODEL_DIR": str(tmp_path / "m2"),
        "RESULTS_DIR": str(tmp_path / "r2"),
    }
    _, second_validation, second_test = run_all(other)
    assert (first_validation, first_test) == (second_validation, second_test)
    assert first_train == Path(tmp_path / "p2" / "train.csv").read_bytes()


def test_each_stage_removes_stale_outputs_of_itself_and_later_stages(work_env: dict[str, str]) -> None:
    run_all(work_env)
    paths = config.load_paths(work_env)
    Path(paths.test_metadata).write_text('{"test_acc": 0.99}')
    Path(model_store.descriptor_path(paths.model_dir)).write_bytes(b"stale")
    bad = {**work_env, "RAW_DATA_FILE": "missing.csv"}
    with (
        pytest.raises(InputError, match="missing.csv: file not found"),
        stages.running("preprocessing", bad) as settings,
    ):
        stages.preprocess(settings)
    for path in stages.stale_outputs("preprocessing", paths):
        assert not Path(path).exists(), path


def test_test_stage_refuses_a_model_from_another_preprocessing_run(work_env: dict[str, str]) -> None:
    run_all(work_env)
    settings = config.load_settings(work_env)
    saved = {
        path: Path(path).read_bytes()
        for path in model_store.file_names(settings.paths.model_dir)
        if Path(path).exists()
    }
    stages.preprocess(settings)  # a new run id; the model files from before are put back
    for path, data in saved.items():
        Path(path).write_bytes(data)
    with pytest.raises(InputError, match="trained on other data"):
        stages.evaluate(settings)


def test_train_refuses_data_preprocessed_for_another_model(work_env: dict[str, str]) -> None:
    stages.preprocess(config.load_settings({**work_env, "MODEL": "logreg"}))
    with pytest.raises(InputError, match="preprocessed for MODEL='logreg'"):
        stages.train(config.load_settings(work_env))


def test_train_and_test_without_earlier_stages_are_bad_input(work_env: dict[str, str]) -> None:
    settings = config.load_settings(work_env)
    with pytest.raises(InputError, match="manifest.json: file not found.*preprocessing.py"):
        stages.train(settings)
    stages.preprocess(settings)
    with pytest.raises(InputError, match=r"model\.json: file not found.*train\.py"):
        stages.evaluate(settings)


@pytest.mark.parametrize(
    "accuracy, threshold, code, words",
    [
        (0.85, "0.8", EXIT_OK, "gate passed"),
        (0.80, "0.8", EXIT_OK, "gate passed"),
        (0.85, "0.99", EXIT_GATE_FAILED, "stopped"),
    ],
)
def test_gate_main(
    work_env: dict[str, str], capsys: pytest.CaptureFixture[str], accuracy: float, threshold: str, code: int, words: str
) -> None:
    results = Path(work_env["RESULTS_DIR"])
    results.mkdir(parents=True)
    (results / "train_metadata.json").write_text(json.dumps({"validation_acc": accuracy}))
    assert stages.gate_main({**work_env, "THRESHOLD": threshold}) == code
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and words in out[0]


def test_gate_without_metadata_is_bad_input(work_env: dict[str, str]) -> None:
    with pytest.raises(InputError, match="train_metadata.json: file not found"):
        stages.gate_main(work_env)


def test_a_test_file_with_one_label_is_refused(work_env: dict[str, str], sample_dir: Path, tmp_path: Path) -> None:
    lines = (sample_dir / "sample.test").read_text().splitlines(keepends=True)
    (sample_dir / "one_label.test").write_text("".join(line for line in lines if not line.rstrip().endswith(">50K.")))
    env = {**work_env, "RAW_DATA_FILE": "sample.data", "TEST_DATA_FILE": "one_label.test"}
    with (
        pytest.raises(
            InputError,
            match=r"one_label.test: only 0 rows labelled '>50K' after cleaning; "
            r"expected at least 10 of each label in the test file",
        ),
        stages.running("preprocessing", env) as settings,
    ):
        stages.preprocess(settings)
    assert not Path(work_env["PROCESSED_DATA_DIR"], "train.csv").exists()


def test_a_stop_removes_what_the_stage_had_written_and_exits_5(
    work_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exits: list[int] = []
    monkeypatch.setattr(stopping.os, "_exit", exits.append)
    monkeypatch.setattr(stopping.signal, "signal", lambda signum, handler: None)
    paths = config.load_paths(work_env)
    with stages.running("preprocessing", work_env) as settings:
        stages.preprocess(settings)
        Path(paths.processed_data_dir, ".train.csv.abc.tmp").write_text("partial")
        stopping.stop(signal.SIGTERM, None)
    assert exits == [EXIT_STOPPED]
    assert os.listdir(paths.processed_data_dir) == []
    assert capsys.readouterr().err.startswith("error: stopped by SIGTERM")
    assert stopping.partial_outputs == [], "nothing is registered once the stage is over"
