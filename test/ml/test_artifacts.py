import errno
import json
import os
from pathlib import Path

import pytest

from adult_pipeline.process import artifacts
from adult_pipeline.process.errors import InputError


def test_write_json_is_complete_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "results.json"
    artifacts.write_json(str(target), {"validation_acc": 0.85})
    assert json.loads(target.read_text()) == {"validation_acc": 0.85}
    assert os.listdir(target.parent) == ["results.json"]


def test_a_crash_while_writing_leaves_neither_a_new_file_nor_a_temporary_one(tmp_path: Path) -> None:
    target = tmp_path / "model.joblib"

    def crash(temp_path: str) -> None:
        Path(temp_path).write_text("half a model")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        artifacts.write_atomic(str(target), crash)
    assert os.listdir(tmp_path) == []


def test_a_crash_keeps_the_previous_complete_file(tmp_path: Path) -> None:
    target = tmp_path / "train.csv"
    artifacts.write_text(str(target), "old,complete\n")

    def crash(temp_path: str) -> None:
        Path(temp_path).write_text("new,par")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        artifacts.write_atomic(str(target), crash)
    assert target.read_text() == "old,complete\n"
    assert os.listdir(tmp_path) == ["train.csv"]


def test_remove_stale_removes_outputs_and_leftover_temporary_files(tmp_path: Path) -> None:
    for name in ("test_metadata.json", ".test_metadata.json.abc123.tmp", "keep.json"):
        (tmp_path / name).write_text("{}")
    artifacts.remove_stale([str(tmp_path / "test_metadata.json"), str(tmp_path / "absent.json")])
    assert os.listdir(tmp_path) == ["keep.json"]


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "file not found"),
        ("{not json", "not valid JSON"),
        ("[0.9]", "not a JSON object"),
        ('{"validation_acc": "high"}', "expected a number in"),
        ('{"validation_acc": 1.2}', "expected a number in"),
        ('{"validation_acc": true}', "expected a number in"),
    ],
)
def test_read_fraction_rejects_bad_metadata(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "train_metadata.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError, match=message):
        artifacts.read_fraction(str(path), "validation_acc", "train.py")


def test_a_failed_write_names_the_target_file_and_leaves_nothing(tmp_path: Path) -> None:
    def disk_full(temp_path: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    target = tmp_path / "model.joblib"
    with pytest.raises(OSError) as raised:
        artifacts.write_atomic(str(target), disk_full)
    assert (raised.value.errno, raised.value.filename) == (errno.ENOSPC, str(target))
    assert os.listdir(tmp_path) == []
