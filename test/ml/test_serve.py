"""The prediction service (serve.py) run for real in the model image, hardened as the stack runs it, on a
registry of three versions (xgb, hgb, logreg) trained on the sample, answering over 127.0.0.1."""

import http.client
import json
import re
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import containers

pytestmark = pytest.mark.docker
REPO_ROOT = Path(__file__).resolve().parents[2]
EXPECTED_PREDICTIONS = REPO_ROOT / "test" / "support" / "expected_predictions.py"
SAMPLE_ENV = {"RAW_DATA_FILE": "sample.data", "TEST_DATA_FILE": "sample.test"}
HARDENED = [
    "--init",
    "--read-only",
    "--tmpfs",
    "/work:uid=10001,gid=10001,mode=0700",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
    "--memory",
    "512m",
    "--memory-swap",
    "512m",
    "--pids-limit",
    "256",
]
MAX_ROWS = 2000
MAX_BODY_BYTES = 1_000_000
# Planted in bad bodies: no answer may repeat it.
MARKER = "payload-marker-7f3c"
ROW = {
    "age": 39,
    "workclass": "State-gov",
    "education": "Bachelors",
    "marital.status": "Never-married",
    "occupation": "Adm-clerical",
    "relationship": "Not-in-family",
    "race": "White",
    "sex": "Male",
    "capital.gain": 2174,
    "capital.loss": 0,
    "hours.per.week": 40,
    "native.country": "United-States",
}
CATEGORICAL = (
    "workclass",
    "education",
    "marital.status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "native.country",
)


def volume(name: str) -> str:
    containers.docker("volume", "rm", "--force", name)
    assert containers.docker("volume", "create", name).returncode == 0
    return name


@pytest.fixture(scope="module")
def readable_sample(sample_dir: Path) -> Path:
    """The sample, readable by the image's user."""
    for path in (sample_dir, *sample_dir.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return sample_dir


@pytest.fixture(scope="module")
def registry(image: str, readable_sample: Path) -> Iterator[str]:
    """A registry volume holding versions 1 (xgb), 2 (hgb) and 3 (logreg), whatever their verdicts."""
    sample_dir = readable_sample
    name = volume(f"adult-serve-test-{uuid.uuid4().hex[:8]}")
    try:
        for model in ("xgb", "hgb", "logreg"):
            run = containers.docker(
                "run",
                "--rm",
                "--network",
                "none",
                *HARDENED,
                "-v",
                f"{sample_dir}:/data:ro",
                "-v",
                f"{name}:/registry",
                *env_flags({**SAMPLE_ENV, "MODEL": model, "THRESHOLD": "0.5"}),
                image,
                "python3",
                "pipeline.py",
            )
            assert run.returncode == 0, run.stderr
        yield name
    finally:
        containers.docker("volume", "rm", "--force", name)


@pytest.fixture(scope="module")
def champion(image: str, registry: str) -> str:
    """The version champion.json names (which of the three won depends on their scores)."""
    pointer = containers.docker(
        "run", "--rm", "--network", "none", "-v", f"{registry}:/registry:ro", image, "cat", "/registry/champion.json"
    )
    return str(json.loads(pointer.stdout)["version"])


def env_flags(env: Mapping[str, str]) -> list[str]:
    return [flag for name, value in env.items() for flag in ("-e", f"{name}={value}")]


class Service:
    def __init__(self, container: str, port: int) -> None:
        self.container = container
        self.port = port

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        content_type: str | None = "application/json",
        raw: bytes | None = None,
    ) -> tuple[int, Any, Mapping[str, str]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        headers = {"Content-Type": content_type} if content_type else {}
        connection.request(method, path, body=data, headers=headers)
        answer = connection.getresponse()
        text = answer.read().decode()
        connection.close()
        return (
            answer.status,
            (json.loads(text) if answer.getheader("content-type", "").startswith("application/json") else text),
            dict(answer.getheaders()),
        )

    def logs(self) -> str:
        result = containers.docker("logs", self.container)
        return result.stdout + result.stderr


def wait_until_ready(service: Service, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if service.call("GET", "/v2/health/ready")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the service did not become ready:\n{service.logs()}")


@pytest.fixture(scope="module")
def start(image: str, registry: str) -> Iterator[Any]:
    """Starts a service container (removed at the end, before the registry volume it mounts); returns it,
    not waiting unless told to."""
    started: list[str] = []

    def run(
        registry_volume: str, env: Mapping[str, str] = {}, mounts: tuple[str, ...] = (), ready: bool = True
    ) -> Service:
        name = f"adult-serve-test-{uuid.uuid4().hex[:8]}"
        result = containers.docker(
            "run",
            "-d",
            "--name",
            name,
            *HARDENED,
            "-p",
            "127.0.0.1::8080",
            "-v",
            f"{registry_volume}:/registry:ro",
            *mounts,
            *env_flags({"REQUEST_LOG_DIR": "", **env}),
            image,
            "python3",
            "serve.py",
        )
        assert result.returncode == 0, result.stderr
        started.append(name)
        port = int(containers.docker("port", name, "8080/tcp").stdout.strip().splitlines()[0].rsplit(":", 1)[1])
        service = Service(name, port)
        if ready:
            wait_until_ready(service)
        return service

    yield run
    for name in started:
        containers.docker("rm", "--force", name)


@pytest.fixture(scope="module")
def service(start: Any, registry: str) -> Service:
    return start(registry, {"SERVE_MAX_ROWS": str(MAX_ROWS), "SERVE_MAX_BODY_BYTES": str(MAX_BODY_BYTES)})


@pytest.fixture(scope="module")
def expected(image: str, readable_sample: Path, registry: str) -> dict[str, Any]:
    """test.py's labels and probabilities of every version on the sample's processed test split."""
    sample_dir = readable_sample
    run = containers.docker(
        "run",
        "--rm",
        "--network",
        "none",
        *HARDENED,
        "-v",
        f"{sample_dir}:/data:ro",
        "-v",
        f"{registry}:/registry:ro",
        "-v",
        f"{EXPECTED_PREDICTIONS}:/app/expected_predictions.py:ro",
        *env_flags(SAMPLE_ENV),
        image,
        "python3",
        "expected_predictions.py",
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def tensors(columns: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    return [
        {"name": name, "shape": [len(values)], "datatype": "BYTES" if name in CATEGORICAL else "FP64", "data": values}
        for name, values in columns.items()
    ]


def value(metrics: str, series: str) -> float:
    """A series' value in Prometheus' text format (0 when absent)."""
    lines = [line for line in metrics.splitlines() if line.startswith(series + " ")]
    return float(lines[0].rsplit(" ", 1)[1]) if lines else 0.0


def one_row_columns(**changes: Any) -> dict[str, list[Any]]:
    return {name: [changes.get(name.replace(".", "_"), value)] for name, value in ROW.items()}


def test_health_and_metadata(service: Service, champion: str) -> None:
    assert service.call("GET", "/v2/health/live")[:2] == (200, {"live": True})
    assert service.call("GET", "/v2/health/ready")[:2] == (200, {"ready": True, "model_version": champion})
    assert service.call("GET", "/ping")[0] == 200
    status, metadata, _ = service.call("GET", "/v2/models/adult-income")
    assert status == 200
    assert metadata["versions"] == ["1", "2", "3"] and metadata["parameters"]["served_version"] == champion
    inputs = {entry["name"]: entry for entry in metadata["inputs"]}
    assert set(inputs) == set(ROW)
    assert "Private" in inputs["workclass"]["parameters"]["categories"] and inputs["age"]["datatype"] == "FP64"
    assert [output["name"] for output in metadata["outputs"]] == ["label", "probability"]
    assert service.call("GET", "/v2/models/adult-income/versions/3")[1]["parameters"] == {
        "served_version": "3",
        "model": "logreg",
    }


def test_every_version_predicts_what_test_py_computed(
    service: Service, expected: dict[str, Any], champion: str
) -> None:
    """No training/serving skew, through both protocols, for the fast path (xgb, hgb) and the pipeline (logreg)."""
    columns = expected["rows"]
    rows = len(columns["age"])
    assert 0 < rows <= MAX_ROWS
    for version, figures in expected["versions"].items():
        status, answer, _ = service.call(
            "POST", f"/v2/models/adult-income/versions/{version}/infer", {"id": "skew", "inputs": tensors(columns)}
        )
        assert status == 200, (answer, service.logs())
        assert (answer["model_version"], answer["id"]) == (version, "skew")
        outputs = {output["name"]: output["data"] for output in answer["outputs"]}
        assert outputs["label"] == figures["labels"]
        assert max(abs(a - b) for a, b in zip(outputs["probability"], figures["probabilities"], strict=True)) <= 1e-9
    split = {
        "dataframe_split": {
            "columns": list(columns),
            "data": [[columns[name][row] for name in columns] for row in range(rows)],
        }
    }
    status, answer, headers = service.call("POST", "/invocations", split)
    assert status == 200 and headers["x-model-version"] == champion
    assert [prediction["label"] for prediction in answer["predictions"]] == expected["versions"][champion]["labels"]
    assert (
        max(
            abs(p["probability"] - e)
            for p, e in zip(answer["predictions"], expected["versions"][champion]["probabilities"], strict=True)
        )
        <= 1e-9
    )


def test_both_protocols_and_both_dataframe_forms_agree(service: Service) -> None:
    status, answer, _ = service.call(
        "POST",
        "/v2/models/adult-income/infer",
        {"inputs": tensors(one_row_columns()), "outputs": [{"name": "probability"}]},
    )
    assert status == 200 and len(answer["id"]) == 32, "an id is made when the request has none"
    assert [output["name"] for output in answer["outputs"]] == ["probability"]
    probability = answer["outputs"][0]["data"][0]
    records = service.call("POST", "/invocations", {"dataframe_records": [dict(ROW)]})[1]["predictions"]
    renamed = {"marital_status" if name == "marital.status" else name: value for name, value in ROW.items()}
    split = service.call(
        "POST", "/invocations", {"dataframe_split": {"columns": list(renamed), "data": [list(renamed.values())]}}
    )[1]["predictions"]
    nested = [{**tensor, "shape": [1, 1], "data": [tensor["data"]]} for tensor in tensors(one_row_columns())]
    nested_answer = service.call("POST", "/v2/models/adult-income/infer", {"inputs": nested})[1]
    assert records[0]["probability"] == split[0]["probability"] == probability == nested_answer["outputs"][1]["data"][0]
    assert records[0]["label"] == ("<=50K" if probability <= 0.5 else ">50K")


def test_an_unseen_category_is_predicted_as_training_handles_it_and_counted(service: Service) -> None:
    series = 'adult_unseen_categories_total{input="native.country"}'
    before = value(service.call("GET", "/metrics")[1], series)
    status, answer, _ = service.call(
        "POST", "/v2/models/adult-income/infer", {"inputs": tensors(one_row_columns(native_country="Atlantis"))}
    )
    assert status == 200 and answer["parameters"] == {"unseen_categories": {"native.country": 1}}
    assert value(service.call("GET", "/metrics")[1], series) == before + 1


def oip(columns: Mapping[str, list[Any]]) -> dict[str, Any]:
    return {"inputs": tensors(columns)}


BAD_REQUESTS = [
    # (what, path, body or raw bytes, content type, status, error pattern, inputs the details name)
    (
        "not JSON",
        "/v2/models/adult-income/infer",
        b'{"inputs": [' + MARKER.encode(),
        "application/json",
        400,
        "not valid JSON",
        [],
    ),
    ("not an object", "/invocations", [MARKER], "application/json", 400, "expected a JSON object", []),
    (
        "a missing column",
        "/v2/models/adult-income/infer",
        oip({k: v for k, v in one_row_columns().items() if k != "age"}),
        "application/json",
        400,
        "not this model's 12",
        ["age"],
    ),
    (
        "an extra column",
        "/invocations",
        {"dataframe_records": [{**ROW, MARKER: 1}]},
        "application/json",
        400,
        "not this model's 12",
        [MARKER],
    ),
    (
        "an unknown field",
        "/v2/models/adult-income/infer",
        {**oip(one_row_columns()), MARKER: 1},
        "application/json",
        400,
        "fields this service does not know",
        [MARKER],
    ),
    (
        "a wrong type",
        "/invocations",
        {"dataframe_records": [{**ROW, "age": MARKER}]},
        "application/json",
        400,
        "values are not usable",
        ["age"],
    ),
    (
        "a negative number",
        "/invocations",
        {"dataframe_records": [{**ROW, "capital.gain": -1}]},
        "application/json",
        400,
        "not usable",
        ["capital.gain"],
    ),
    (
        "a number beyond float32",
        "/invocations",
        {"dataframe_records": [{**ROW, "age": 1e39}]},
        "application/json",
        400,
        "not usable",
        ["age"],
    ),
    (
        "a non-finite number",
        "/invocations",
        b'{"dataframe_records": [{"age": 1e999}]}',
        "application/json",
        400,
        "",
        [],
    ),
    (
        "an empty category",
        "/invocations",
        {"dataframe_records": [{**ROW, "sex": " "}]},
        "application/json",
        400,
        "not usable",
        ["sex"],
    ),
    (
        "true for a number",
        "/invocations",
        {"dataframe_records": [{**ROW, "age": True}]},
        "application/json",
        400,
        "not usable",
        ["age"],
    ),
    (
        "a wrong datatype",
        "/v2/models/adult-income/infer",
        {
            "inputs": [
                {**tensor, "datatype": "FP64"} if tensor["name"] == "workclass" else tensor
                for tensor in tensors(one_row_columns())
            ]
        },
        "application/json",
        400,
        "an input tensor is not usable",
        ["workclass"],
    ),
    (
        "inputs of different lengths",
        "/v2/models/adult-income/infer",
        oip({**one_row_columns(), "age": [1, 2]}),
        "application/json",
        400,
        "different numbers of rows",
        [],
    ),
    (
        "a tensor form for /invocations",
        "/invocations",
        {"instances": [[1, 2]]},
        "application/json",
        400,
        "exactly one of dataframe_split",
        [],
    ),
    (
        "too many rows",
        "/invocations",
        {"dataframe_records": [ROW] * (MAX_ROWS + 1)},
        "application/json",
        413,
        f"at most {MAX_ROWS}",
        [],
    ),
    (
        "a body over the limit",
        "/invocations",
        b" " * (MAX_BODY_BYTES + 1),
        "application/json",
        413,
        f"at most {MAX_BODY_BYTES} are accepted",
        [],
    ),
    ("a wrong content type", "/invocations", b"age,sex\n39,Male", "text/csv", 415, "send it as application/json", []),
    ("no content type", "/v2/models/adult-income/infer", b"{}", None, 415, "not given", []),
    (
        "an unknown model",
        "/v2/models/no-such-model/infer",
        oip(one_row_columns()),
        "application/json",
        404,
        "no such model here",
        [],
    ),
    (
        "a version not in the registry",
        "/v2/models/adult-income/versions/99/infer",
        oip(one_row_columns()),
        "application/json",
        404,
        "version 99 is not in the registry",
        [],
    ),
    (
        "a version that is no number",
        "/v2/models/adult-income/versions/latest/infer",
        oip(one_row_columns()),
        "application/json",
        404,
        "not a version number",
        [],
    ),
]


@pytest.mark.parametrize(
    "what,path,body,content_type,status,error,inputs", BAD_REQUESTS, ids=[case[0] for case in BAD_REQUESTS]
)
def test_a_bad_request_gets_a_clear_4xx_without_the_payload(
    service: Service,
    what: str,
    path: str,
    body: Any,
    content_type: str | None,
    status: int,
    error: str,
    inputs: list[str],
) -> None:
    raw = body if isinstance(body, bytes) else None
    got, answer, _ = service.call("POST", path, None if raw is not None else body, content_type, raw)
    assert got == status, answer
    assert set(answer) == {"error", "details"}, answer
    assert re.search(error, answer["error"]), answer
    assert set(inputs) <= {detail["input"] for detail in answer["details"]}, answer
    text = json.dumps(answer)
    assert "Traceback" not in text and (MARKER not in text or inputs == [MARKER] and text.count(MARKER) == 1), text


def test_unknown_endpoints_and_methods_get_the_same_error_body(service: Service) -> None:
    assert service.call("GET", "/v1/models")[:2] == (
        404,
        {"error": "no such endpoint; see GET /v2 and the README", "details": []},
    )
    assert service.call("GET", "/v2/models/adult-income/infer")[0] == 405


def test_many_problems_are_listed_up_to_a_bound(service: Service) -> None:
    status, answer, _ = service.call("POST", "/invocations", {"dataframe_records": [{**ROW, "age": -1, "sex": 3}] * 50})
    assert status == 400 and answer["error"] == "100 values are not usable"
    assert len(answer["details"]) == 21 and answer["details"][-1]["problem"] == "and 80 more problems of the same kinds"
    assert (
        answer["details"][0]
        == {"input": "sex", "problem": "row 0 is a number; expected a string (a category, or '?' for a missing one)"}
        or answer["details"][0]["input"] == "age"
    )


def test_metrics_count_requests_rows_and_the_served_version(service: Service, champion: str) -> None:
    before = service.call("GET", "/metrics")[1]
    for _ in range(5):
        assert service.call("POST", "/invocations", {"dataframe_records": [ROW, ROW]})[0] == 200
    after = service.call("GET", "/metrics")[1]
    assert (
        value(after, 'adult_requests_total{endpoint="invocations",status="200"}')
        - value(before, 'adult_requests_total{endpoint="invocations",status="200"}')
        == 5
    )
    assert value(after, "adult_rows_predicted_total") - value(before, "adult_rows_predicted_total") == 10
    assert value(after, 'adult_request_duration_seconds_count{endpoint="invocations"}') >= 5
    assert value(after, "adult_served_model_version") == int(champion)
    assert value(after, "adult_model_swaps_total") == 2, "one load per server process"
    assert value(after, "adult_model_swap_failures_total") == 0


def test_the_request_log_samples_rotates_and_stays_under_its_cap(
    start: Any, registry: str, image: str, champion: str
) -> None:
    log_volume = volume(f"adult-serve-log-{uuid.uuid4().hex[:8]}")
    cap = 65536
    service = start(
        registry,
        {"REQUEST_LOG_DIR": "/requests", "REQUEST_LOG_SAMPLE_RATE": "1", "REQUEST_LOG_MAX_BYTES": str(cap)},
        ("-v", f"{log_volume}:/requests"),
    )
    try:
        for row in range(200):
            assert service.call("POST", "/invocations", {"dataframe_records": [{**ROW, "age": row}]})[0] == 200
        listing = containers.docker(
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            f"{log_volume}:/requests:ro",
            image,
            "sh",
            "-c",
            "cd /requests && stat -c '%n %s' * && cat requests-*.jsonl*",
        )
        lines = listing.stdout.splitlines()
        sizes = dict(line.split(" ") for line in lines if not line.startswith("{"))
        assert set(sizes) <= {
            "requests-0.jsonl",
            "requests-0.jsonl.1",
            "requests-0.lock",
            "requests-1.jsonl",
            "requests-1.jsonl.1",
            "requests-1.lock",
        }
        assert {"requests-0.jsonl.1", "requests-1.jsonl.1"} & set(sizes), f"rotated: {sizes}"
        assert sum(int(size) for size in sizes.values()) <= cap
        records = [json.loads(line) for line in lines if line.startswith("{")]
        assert records and all(record["rows"] == 1 and record["model_version"] == int(champion) for record in records)
        assert set(records[0]["inputs"]) == set(ROW) and set(records[0]["outputs"]) == {"label", "probability"}
        assert len({record["inputs"]["age"][0] for record in records}) == len(records), "each request once"
    finally:
        containers.docker("rm", "--force", service.container)
        containers.docker("volume", "rm", "--force", log_volume)


def test_bad_settings_and_a_missing_registry_stop_it_with_their_status(image: str, registry: str) -> None:
    def run(*flags: str) -> containers.Run:
        result = containers.docker("run", "--rm", "--network", "none", *HARDENED, *flags, image, "python3", "serve.py")
        return containers.Run(result.returncode, result.stdout, result.stderr)

    port = run("-e", "SERVE_PORT=0", "-v", f"{registry}:/registry:ro")
    assert port.code == 2 and "SERVE_PORT='0' is not a positive whole number" in port.stderr
    rate = run("-e", "REQUEST_LOG_SAMPLE_RATE=2", "-e", "REQUEST_LOG_DIR=", "-v", f"{registry}:/registry:ro")
    assert rate.code == 2 and "REQUEST_LOG_SAMPLE_RATE='2' is out of range" in rate.stderr
    missing = run("-e", "REGISTRY_DIR=/nowhere", "-e", "REQUEST_LOG_DIR=")
    assert missing.code == 6 and "/nowhere" in missing.stderr
    unwritable = run("-v", f"{registry}:/registry:ro", "-e", "REQUEST_LOG_DIR=/registry")
    assert unwritable.code == 2 and "request log" in unwritable.stderr
