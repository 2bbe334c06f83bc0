"""Shared fixtures for the ml/ tests: paths, data variants, a small sample of the real data.
pytest's configuration (the import paths, the ``docker`` marker) is ml/pyproject.toml's."""

import contextlib
import dataclasses
import os
import threading
from collections.abc import Iterator
from pathlib import Path

# The pipeline trains on one OpenMP thread (estimators.single_threaded_openmp); tests that fit models
# directly do the same. Set before anything loads OpenMP: on a busy 2-core machine, one thread per
# core per process made a 0.4 s fit take 45 s.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest  # noqa: E402

import containers  # noqa: E402  (test/ml/ is on pytest's pythonpath)
import datafiles  # noqa: E402
import faultserver  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
ML_DIR = REPO_ROOT / "ml"
DATA_DIR = (REPO_ROOT / ".." / "shared" / "data").resolve()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the built image needs a Docker engine: it belongs to the docker tier."""
    for item in items:
        if "image" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.docker)


@pytest.fixture(scope="session")
def image():
    """The model image, built once per session (every test that uses it is in the docker tier)."""
    tag = containers.build_image(ML_DIR)
    yield tag
    containers.docker("image", "rm", tag)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    missing = [name for name in ("adult.csv", "adult.data", "adult.test") if not (DATA_DIR / name).is_file()]
    assert not missing, f"shared data missing in {DATA_DIR}: {missing}"
    return DATA_DIR


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """A folder with every 11th row of the real files: sample.csv (adult.csv format), sample.data, sample.test."""
    folder = tmp_path_factory.mktemp("sample")
    datafiles.write_sample(data_dir / "adult.csv", folder / "sample.csv", step=11, first_line=True)
    datafiles.write_sample(data_dir / "adult.data", folder / "sample.data", step=11, first_line=False)
    datafiles.write_sample(data_dir / "adult.test", folder / "sample.test", step=11, first_line=True)
    return folder


# Boosting iterations of hgb in the in-process runs of the unit tier (sklearn's default is 100): those tests are
# about what the code does with a model and its figures, not about the figures (the docker tier trains for real).
QUICK_HGB_ITERATIONS = 15
# What a report figure is in those runs: a valid PNG of one pixel (test_report.py draws the real ones).
UNDRAWN_FIGURE = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b55"
    "0000000a49444154789c636000000002000148afa4710000000049454e44ae426082"
)


@contextlib.contextmanager
def quick_runs_here() -> Iterator[None]:
    """While the body runs, in this process: hgb with fewer boosting iterations, and report figures not drawn."""
    from adult_pipeline.evaluation import report
    from adult_pipeline.modelling import estimators

    spec = estimators.MODELS["hgb"]
    quick = dataclasses.replace(
        spec, build=lambda seed: spec.build(seed).set_params(classify__max_iter=QUICK_HGB_ITERATIONS)
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(estimators.MODELS, "hgb", quick)
        patch.setattr(report, "png", lambda draw: UNDRAWN_FIGURE)
        yield


@pytest.fixture
def quick_runs() -> Iterator[None]:
    with quick_runs_here():
        yield


@pytest.fixture
def work_env(tmp_path: Path, sample_dir: Path, quick_runs: None) -> dict[str, str]:
    """Settings for an in-process run on the sample, writing under tmp_path (an empty registry included);
    in-process runs train the quick hgb and leave the report's figures undrawn (``quick_runs``)."""
    (tmp_path / "registry").mkdir()
    return {
        "RAW_DATA_DIR": str(sample_dir),
        "RAW_DATA_FILE": "sample.csv",
        "PROCESSED_DATA_DIR": str(tmp_path / "processed"),
        "MODEL_DIR": str(tmp_path / "model"),
        "RESULTS_DIR": str(tmp_path / "results"),
        "THRESHOLD": "0.8",
        "MODEL": "hgb",
        "SEED": "42",
        "TEST_DATA_FILE": "",
        "REGISTRY_DIR": str(tmp_path / "registry"),
        "MAX_REGRESSION": "0.005",
    }


@pytest.fixture(autouse=True)
def no_env_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    """Host variables must not change what the tests see (they pass settings explicitly)."""
    for name in (
        "RAW_DATA_DIR",
        "RAW_DATA_FILE",
        "TEST_DATA_FILE",
        "PROCESSED_DATA_DIR",
        "MODEL_DIR",
        "RESULTS_DIR",
        "THRESHOLD",
        "MODEL",
        "SEED",
        "DATA_URL",
        "DOWNLOAD_DEADLINE_SECONDS",
        "MAX_INPUT_BYTES",
        "REGISTRY_DIR",
        "MAX_REGRESSION",
        "REGISTRY_LOCK_TIMEOUT_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def zip_server(tmp_path_factory: pytest.TempPathFactory, data_dir: Path):
    """An HTTP server on 127.0.0.1 serving zips built at test time from the shared files:
    adult.zip (good), corrupt.zip (not a zip), damaged.zip (bad compressed data), tampered.zip (adult.names changed), partial.zip (no adult.test)."""
    folder = tmp_path_factory.mktemp("served")
    members = datafiles.uci_members(data_dir)
    datafiles.build_zip(folder / "adult.zip", {**members, "Index": b"index\n"})
    (folder / "corrupt.zip").write_bytes(b"PK\x03\x04 this is not really a zip file")
    good = bytearray((folder / "adult.zip").read_bytes())
    good[len(good) // 3 : len(good) // 3 + 64] = bytes(64)  # damaged compressed data inside a valid zip
    (folder / "damaged.zip").write_bytes(bytes(good))
    datafiles.build_zip(folder / "tampered.zip", {**members, "adult.names": members["adult.names"] + b"extra\n"})
    datafiles.build_zip(folder / "partial.zip", {k: v for k, v in members.items() if k != "adult.test"})
    with datafiles.serve(folder) as base_url:
        yield base_url


@pytest.fixture
def fault_server(tmp_path_factory: pytest.TempPathFactory, data_dir: Path):
    """A faultserver.FaultServer on 127.0.0.1 serving a good zip of the shared files well and badly (fresh counts per test)."""
    zip_file = tmp_path_factory.mktemp("fault-served") / "adult.zip"
    archive = datafiles.build_zip(zip_file, datafiles.uci_members(data_dir)).read_bytes()
    server = faultserver.FaultServer(("127.0.0.1", 0), archive)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
