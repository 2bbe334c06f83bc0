"""The model image, built and run for real with the docker CLI on ../shared/data."""

import hashlib
import json
import uuid
from pathlib import Path

import pytest

import containers
import datafiles
from adult_pipeline.contract import ENVIRONMENT, METRICS_FIELDS
from containers import run_image

pytestmark = pytest.mark.docker
SUMMARY_KEYS = set(METRICS_FIELDS)
STALE = {
    "model/model.json": "stale",
    "results/train_metadata.json": '{"validation_acc": 0.99}',
    "results/test_metadata.json": '{"test_acc": 0.99}',
    "processed/train.csv": "stale",
}


@pytest.fixture(scope="session")
def default_run(image: str, data_dir: Path) -> containers.Run:
    return run_image(image, data=data_dir)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def metrics(summary: dict) -> tuple:
    return summary["validation_acc"], summary["test_acc"], summary["rows"], summary["data"]


def test_image_contract(image: str) -> None:
    config = json.loads(containers.docker("image", "inspect", image).stdout)[0]["Config"]
    env = dict(item.split("=", 1) for item in config["Env"])
    assert config["Cmd"] == ["python3", "pipeline.py"] and config["WorkingDir"] == "/app"
    assert config["User"] == "10001:10001"
    # Unset, each contract variable takes contract.json's default (test_default_run_passes_the_gate checks the ones a run uses).
    assert sorted(set(env) & set(ENVIRONMENT)) == []
    assert (env["PYTHONDONTWRITEBYTECODE"], env["PYTHONUNBUFFERED"]) == ("1", "1")
    run = run_image(
        image,
        command=[
            "sh",
            "-c",
            "id -u; stat -c %u /data /work; ls /app; ls /data | wc -l; "
            "dpkg --audit; command -v gcc || echo no-compiler",
        ],
    )
    lines = run.stdout.split()
    assert lines[:3] == ["10001", "10001", "10001"], run.stdout
    assert {
        "preprocessing.py",
        "train.py",
        "gate.py",
        "test.py",
        "pipeline.py",
        "fetch_data.py",
        "promote.py",
        "serve.py",
        "adult_pipeline",
    } <= set(lines)
    assert lines[-2:] == ["0", "no-compiler"], "no data baked in, consistent packages, no build toolchain"
    setuid = containers.docker(
        "run", "--rm", "--user", "0", image, "find", "/", "-xdev", "-perm", "/6000", "-type", "f"
    )
    assert (setuid.returncode, setuid.stdout) == (0, ""), "no setuid or setgid program in the image"


def test_default_run_passes_the_gate(default_run: containers.Run, data_dir: Path) -> None:
    assert default_run.code == 0, default_run.stderr
    summary = default_run.summary()
    assert set(summary) == SUMMARY_KEYS
    defaults = {name: default for name, (default, _) in ENVIRONMENT.items()}
    assert (summary["model"], summary["seed"], summary["threshold"]) == (
        defaults["MODEL"],
        int(defaults["SEED"]),
        float(defaults["THRESHOLD"]),
    )
    assert summary["split"] == "random"
    assert summary["gate_passed"] is True and summary["validation_acc"] >= summary["threshold"]
    assert summary["test_acc"] >= 0.85
    assert summary["data"] == {
        "raw_file": "/data/adult.csv",
        "raw_sha256": sha256(data_dir / "adult.csv"),
        "test_file": None,
        "test_sha256": None,
    }
    rows = summary["rows"]
    assert rows["raw"] == 32561 and rows["train"] + rows["test"] == rows["clean"]
    seconds = summary["seconds"]
    assert 0 < seconds["preprocessing"] + seconds["train"] + seconds["test"] <= seconds["total"]


def test_same_inputs_give_identical_metrics(default_run: containers.Run, image: str, data_dir: Path) -> None:
    again = run_image(image, data=data_dir)
    assert again.code == 0, again.stderr
    assert metrics(again.summary()) == metrics(default_run.summary())


def test_xgb_is_deterministic_for_a_seed(image: str, data_dir: Path) -> None:
    first, second, other = (
        run_image(image, env={"MODEL": "xgb", "SEED": seed}, data=data_dir) for seed in ("7", "7", "8")
    )
    assert first.code == second.code == other.code == 0, (first.stderr, second.stderr, other.stderr)
    assert metrics(first.summary()) == metrics(second.summary())
    assert metrics(other.summary()) != metrics(first.summary()), "SEED must change the split, the folds and the model"
    assert (first.summary()["model"], first.summary()["seed"]) == ("xgb", 7)


# After the stage scripts: the saved xgb model runs on one thread and accepts categories it never saw.
INSPECT_XGB = """
from adult_pipeline.data import features
from adult_pipeline.modelling import model_store
model = model_store.load('/work/m').model
x, _ = features.split_xy(features.read_processed('/work/p/test.csv'))
unseen = x.head(3).assign(**{'native.country': 'Atlantis', 'workclass': 'Pirate'})
print(model[-1].get_params()['n_jobs'], len(model.predict(unseen)))
"""


def test_xgb_through_the_stage_scripts(image: str, data_dir: Path, tmp_path: Path) -> None:
    env = {"MODEL": "xgb", "PROCESSED_DATA_DIR": "/work/p", "MODEL_DIR": "/work/m", "RESULTS_DIR": "/work/r"}
    script = 'python3 preprocessing.py && python3 train.py && python3 gate.py && python3 test.py && python3 -c "$0"'
    run = run_image(image, env=env, data=data_dir, work=tmp_path, command=["sh", "-c", script, INSPECT_XGB])
    assert run.code == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "1 3"
    assert json.loads((tmp_path / "r" / "test_metadata.json").read_text())["test_acc"] >= 0.85


# In the image (the only place with XGBoost): fit the default model, save it, load it back, and plant a
# pickle as its XGBoost file with every digest rewritten to match: XGBoost's loader refuses it, nothing runs.
STORED_XGB = """
import json, os, pickle
import numpy as np
from adult_pipeline.data import features
from adult_pipeline.modelling import model_store
from adult_pipeline.modelling.estimators import MODELS
x, y = features.split_xy(features.read_processed('/work/p/train.csv'))
fitted = MODELS['xgb'].build(42).fit(x, y)
model_store.save('/work/s', 'xgb', 'run', fitted)
loaded = model_store.load('/work/s')
print('files', sorted(os.listdir('/work/s')))
print('pickle-free', b'joblib' not in loaded.files['model.json'] and not open('/work/s/model.ubj', 'rb').read().startswith(b'\\x80'))
print('identical', np.array_equal(loaded.model.predict_proba(x), fitted.predict_proba(x)))
class Planted:
    def __reduce__(self):
        return (exec, ("open('/work/ran', 'w').write('ran')",))
planted = pickle.dumps(Planted())
open('/work/s/model.ubj', 'wb').write(planted)
descriptor = json.loads(open('/work/s/model.json').read())
descriptor['estimator']['sha256'] = model_store.sha256_of(planted)
open('/work/s/model.json', 'w').write(json.dumps(descriptor))
try:
    model_store.load('/work/s')
except Exception as error:
    print('refused', type(error).__name__, str(error).split(': ', 1)[1])
print('ran', os.path.exists('/work/ran'))
"""


def test_xgb_is_stored_in_its_own_format_and_a_planted_pickle_never_runs(
    image: str, data_dir: Path, tmp_path: Path
) -> None:
    env = {"MODEL": "xgb", "PROCESSED_DATA_DIR": "/work/p"}
    run = run_image(
        image,
        env=env,
        data=data_dir,
        work=tmp_path,
        command=["sh", "-c", 'python3 preprocessing.py && python3 -c "$0"', STORED_XGB],
    )
    assert run.code == 0, run.stderr
    assert run.stdout.splitlines()[-5:] == [
        "files ['model.json', 'model.ubj']",
        "pickle-free True",
        "identical True",
        "refused InputError unreadable by XGBoost (XGBoostError); expected a model saved by train.py",
        "ran False",
    ]


def seed_stale_artifacts(work: Path) -> None:
    """Files an earlier run left in the work folder, which this run must not leave looking valid."""
    for name, content in STALE.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).parent.chmod(0o777)
        (work / name).write_text(content)


def test_failed_gate_stops_before_the_test_stage(image: str, data_dir: Path, tmp_path: Path) -> None:
    seed_stale_artifacts(tmp_path)
    run = run_image(image, env={"THRESHOLD": "0.99"}, data=data_dir, work=tmp_path)
    assert run.code == 3, run.stderr
    summary = run.summary()
    assert summary["gate_passed"] is False and summary["test_acc"] is None and summary["threshold"] == 0.99
    assert summary["seconds"]["test"] is None
    assert any("stopped" in line for line in run.stdout.splitlines())
    assert json.loads((tmp_path / "results" / "train_metadata.json").read_text()) == {
        "validation_acc": summary["validation_acc"]
    }
    assert not (tmp_path / "results" / "test_metadata.json").exists()


@pytest.mark.parametrize("model", ["xgb", "hgb"])
def test_official_split_with_the_tree_models(image: str, data_dir: Path, model: str) -> None:
    run = run_image(
        image, env={"MODEL": model, "RAW_DATA_FILE": "adult.data", "TEST_DATA_FILE": "adult.test"}, data=data_dir
    )
    assert run.code == 0, run.stderr
    summary = run.summary()
    assert set(summary) == SUMMARY_KEYS and run.stderr == ""
    assert summary["split"] == "official" and summary["model"] == model and summary["gate_passed"] is True
    assert all(isinstance(summary[key], float) for key in ("validation_acc", "test_acc"))
    assert summary["test_acc"] >= 0.87
    assert summary["rows"]["test"] == 16281 and summary["rows"]["raw"] == 32561 + 16281
    assert summary["data"]["test_sha256"] == sha256(data_dir / "adult.test")


def test_original_stage_scripts_in_sequence(image: str, data_dir: Path, tmp_path: Path) -> None:
    env = {
        "MODEL": "logreg",
        "RAW_DATA_DIR": "/data",
        "RAW_DATA_FILE": "adult.csv",
        "PROCESSED_DATA_DIR": "/work/p",
        "MODEL_DIR": "/work/m",
        "RESULTS_DIR": "/work/r",
    }
    script = "python3 preprocessing.py && python3 train.py && python3 gate.py && python3 test.py"
    run = run_image(image, env=env, data=data_dir, work=tmp_path, command=["sh", "-c", script])
    assert run.code == 0, run.stderr
    assert {
        "p/train.csv",
        "p/test.csv",
        "m/model.json",
        "m/model.joblib",
        "r/train_metadata.json",
        "r/test_metadata.json",
    } <= set(containers.files_under(tmp_path))
    train_metadata = json.loads((tmp_path / "r" / "train_metadata.json").read_text())
    test_metadata = json.loads((tmp_path / "r" / "test_metadata.json").read_text())
    assert set(train_metadata) == {"validation_acc"} and set(test_metadata) == {"test_acc"}
    assert train_metadata["validation_acc"] >= 0.84 and test_metadata["test_acc"] >= 0.84
    header = (tmp_path / "p" / "train.csv").read_text().splitlines()[0].split(",")
    assert "fnlwgt" not in header and "education.num" not in header


@pytest.fixture(scope="session")
def bad_data(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """Broken variants of the shared files, generated at test time."""
    folder = tmp_path_factory.mktemp("bad-data")
    folder.chmod(0o755)  # readable by the image's user
    header, rows = datafiles.read_csv_rows(data_dir / "adult.csv")
    (folder / "empty.csv").write_bytes(b"")
    datafiles.write_csv_rows(folder / "no_occupation.csv", *datafiles.without_column(header, rows, "occupation"))
    datafiles.write_csv_rows(
        folder / "bad_label.csv", header, datafiles.with_value(header, rows, 5000, "income", ">60K")
    )
    datafiles.write_csv_rows(folder / "bad_age.csv", header, datafiles.with_value(header, rows, 12000, "age", "forty"))
    datafiles.write_csv_rows(folder / "semicolon.csv", header, rows, delimiter=";")
    datafiles.truncate_last_line(data_dir / "adult.csv", folder / "truncated.csv")
    datafiles.write_csv_rows(
        folder / "all_missing.csv", header, datafiles.keep_rows(header, rows, lambda row: row["occupation"] == "?")
    )
    (folder / "adult.data").write_bytes((data_dir / "adult.data").read_bytes())
    datafiles.truncate_last_line(data_dir / "adult.test", folder / "truncated.test")
    # Numbers beyond float32, which XGBoost (the default model) trains on: a 211-line traceback before.
    datafiles.write_csv_rows(folder / "huge_age.csv", header, datafiles.with_value(header, rows, 100, "age", "1e39"))
    test_lines = datafiles.read_lines(data_dir / "adult.test")
    fields = test_lines[7].split(", ")
    fields[10] = "1e308"  # capital-gain, on line 8 (line 1 is the comment line)
    (folder / "huge_gain.test").write_text("".join(test_lines[:7] + [", ".join(fields)] + test_lines[8:]))
    return folder


BAD_INPUTS = {
    "missing file": ({"RAW_DATA_FILE": "absent.csv"}, ["/data/absent.csv", "not found"]),
    "empty file": ({"RAW_DATA_FILE": "empty.csv"}, ["/data/empty.csv", "empty"]),
    "missing column": ({"RAW_DATA_FILE": "no_occupation.csv"}, ["no_occupation.csv", "missing column 'occupation'"]),
    "unknown label": (
        {"RAW_DATA_FILE": "bad_label.csv"},
        ["bad_label.csv line 5002", "'income'", "'>60K'", "'<=50K' or '>50K'"],
    ),
    "non-numeric": (
        {"RAW_DATA_FILE": "bad_age.csv"},
        ["bad_age.csv line 12002", "'age'", "'forty'", "expected a number"],
    ),
    "wrong delimiter": ({"RAW_DATA_FILE": "semicolon.csv"}, ["semicolon.csv line 1", "';'", "expected ','"]),
    "truncated last line": ({"RAW_DATA_FILE": "truncated.csv"}, ["truncated.csv line 32562", "truncated"]),
    "truncated test file": (
        {"RAW_DATA_FILE": "adult.data", "TEST_DATA_FILE": "truncated.test"},
        ["truncated.test line 16282", "truncated"],
    ),
    "no rows after cleaning": (
        {"RAW_DATA_FILE": "all_missing.csv", "MODEL": "logreg"},
        ["all_missing.csv", "no rows left after cleaning"],
    ),
    "threshold not a number": ({"THRESHOLD": "abc"}, ["THRESHOLD='abc'", "expected a number in [0, 1]"]),
    "threshold out of range": ({"THRESHOLD": "1.5"}, ["THRESHOLD='1.5'", "expected a number in [0, 1]"]),
    "unknown model": ({"MODEL": "xgboost"}, ["MODEL='xgboost'", "expected one of: xgb, hgb, logreg"]),
    "bad seed": ({"SEED": "-1"}, ["SEED='-1'", "expected an integer"]),
    "number beyond float32 (xgb)": (
        {"RAW_DATA_FILE": "huge_age.csv"},
        ["/data/huge_age.csv line 102", "column 'age'", "value '1e39' beyond the largest float32"],
    ),
    "number beyond float32 in the test file (xgb)": (
        {"RAW_DATA_FILE": "adult.data", "TEST_DATA_FILE": "huge_gain.test"},
        ["/data/huge_gain.test line 8", "column 'capital.gain'", "value '1e308' beyond"],
    ),
    "MAX_INPUT_BYTES too large": (
        {"MAX_INPUT_BYTES": "1000000000000"},
        ["MAX_INPUT_BYTES='1000000000000' is out of range", "at most 1073741824"],
    ),
    "MAX_INPUT_BYTES 2^63-1": ({"MAX_INPUT_BYTES": str(2**63 - 1)}, [f"MAX_INPUT_BYTES='{2**63 - 1}' is out of range"]),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_fails_with_one_line_and_leaves_no_artifacts(
    image: str, bad_data: Path, tmp_path: Path, case: str
) -> None:
    env, fragments = BAD_INPUTS[case]
    seed_stale_artifacts(tmp_path)
    run = run_image(image, env=env, data=bad_data, work=tmp_path)
    assert run.code == 2, (run.stdout, run.stderr)
    lines = run.stderr_lines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert not any(line.startswith("{") for line in run.stdout.splitlines())
    assert containers.files_under(tmp_path) == [], "no model, metrics or processed file may be left"


@pytest.fixture
def volume():
    name = f"adult-mlops-test-{uuid.uuid4().hex[:12]}"
    assert containers.docker("volume", "create", name).returncode == 0
    yield name
    containers.docker("volume", "rm", "--force", name)


def fetch(image: str, data: str | Path, url: str) -> containers.Run:
    return run_image(
        image,
        env={"DATA_URL": url},
        data=data,
        data_readonly=False,
        network_host=True,
        command=["python3", "fetch_data.py"],
    )


def test_fetch_data_into_a_fresh_named_volume_then_from_cache(image: str, zip_server: str, volume: str) -> None:
    first = fetch(image, volume, f"{zip_server}/adult.zip")
    assert first.code == 0, first.stderr
    assert "downloading" in first.stdout
    listing = run_image(
        image, data=volume, command=["sh", "-c", "cd /data && ls -A && sha256sum adult.data adult.test adult.names"]
    )
    names = listing.stdout.split()
    assert names[:3] == ["adult.data", "adult.names", "adult.test"], listing.stdout
    assert names[3::2] == [
        "5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d",
        "a2a9044bc167a35b2361efbabec64e89d69ce82d9790d2980119aac5fd7e9c05",
        "c248284c0b5de30c9e1958d6cdd168a34a654758b620e68f46aefa83fc0a576a",
    ]
    cached = fetch(image, volume, datafiles.closed_port_url())  # the network is not needed any more
    assert cached.code == 0, cached.stderr
    assert "nothing downloaded" in cached.stdout


@pytest.mark.parametrize(
    "name, code, fragment",
    [
        ("corrupt.zip", 2, "not a readable zip"),
        ("tampered.zip", 2, "adult.names has sha256"),
        ("missing.zip", 4, "HTTP 404"),
        (None, 4, "Connection refused"),
    ],
)
def test_fetch_data_failures(image: str, zip_server: str, tmp_path: Path, name, code: int, fragment: str) -> None:
    url = f"{zip_server}/{name}" if name else datafiles.closed_port_url()
    run = run_image(
        image,
        env={"DATA_URL": url},
        network_host=True,
        work=tmp_path,
        command=["sh", "-c", "RAW_DATA_DIR=/work/data python3 fetch_data.py"],
    )
    assert run.code == code, (run.stdout, run.stderr)
    lines = run.stderr_lines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], run.stderr
    assert containers.files_under(tmp_path) == []
