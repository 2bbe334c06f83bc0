"""The HTTP service: the Open Inference Protocol v2 under /v2, MLflow's and SageMaker's /invocations and
/ping, and /metrics. Request bodies are read here (a size cap, a content type) and checked by inputs.py;
every answer that is not a prediction is problems.py's error body."""

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.exceptions import HTTPException

from ..data.schema import CATEGORICAL_FEATURES, FEATURES, NEGATIVE_LABEL, POSITIVE_LABEL
from .champion import Champion, Served
from .inputs import OUTPUT_NAMES, Batch, InferenceRequest, dataframe_request, open_inference_request, parse_json
from .observability import ServiceMetrics
from .problems import Problem, not_found, too_large, unavailable, unsupported_media_type
from .request_log import RequestLog
from .settings import ServeSettings

MODEL_NAME = "adult-income"
SERVER_NAME = "adult-mlops"
JSON = "application/json"
# The label follows the classifier's own predict(): the positive class above one half.
DECISION_THRESHOLD = 0.5
PLATFORMS: Mapping[str, str] = {"xgb": "xgboost_ubj", "hgb": "sklearn_joblib", "logreg": "sklearn_joblib"}
OUTPUT_DATATYPES: Mapping[str, str] = dict(zip(OUTPUT_NAMES, ("BYTES", "FP64"), strict=True))

log = logging.getLogger("adult_pipeline.serve")


def json_response(document: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(document, option=orjson.OPT_SERIALIZE_NUMPY), status_code=status, media_type=JSON, headers=headers
    )


def problem_response(problem: Problem) -> Response:
    return json_response(problem.body(), problem.status)


def labels_of(probabilities: np.ndarray) -> list[str]:
    return [POSITIVE_LABEL if above else NEGATIVE_LABEL for above in (probabilities > DECISION_THRESHOLD).tolist()]


@dataclass(frozen=True)
class Prediction:
    """One request's answers by output name, and the unseen categories it held (``{input: count}``)."""

    outputs: Mapping[str, Any]
    unseen: Mapping[str, int]


def input_metadata(served: Served) -> list[dict[str, Any]]:
    categories = served.predictor.categories
    return [
        {"name": name, "datatype": "BYTES", "shape": [-1], "parameters": {"categories": categories[name]}}
        if name in CATEGORICAL_FEATURES
        else {"name": name, "datatype": "FP64", "shape": [-1]}
        for name in FEATURES
    ]


def output_metadata() -> list[dict[str, Any]]:
    return [{"name": name, "datatype": datatype, "shape": [-1]} for name, datatype in OUTPUT_DATATYPES.items()]


def check_model_name(name: str) -> None:
    if name != MODEL_NAME:
        raise not_found(f"no such model here; the model is {MODEL_NAME!r} (GET /v2/models/{MODEL_NAME})")


def version_number(text: str) -> int:
    if not text.isdigit() or text != str(int(text)):
        raise not_found(
            f"the version is not a version number; expected 1, 2, ... (GET /v2/models/{MODEL_NAME} lists them)"
        )
    return int(text)


class Service:
    def __init__(
        self, settings: ServeSettings, champion: Champion, metrics: ServiceMetrics, request_log: RequestLog | None
    ) -> None:
        self.settings = settings
        self.champion = champion
        self.metrics = metrics
        self.request_log = request_log

    def current(self) -> Served:
        served = self.champion.served
        if served is None:
            raise unavailable(
                "no champion is loaded yet: the registry has none, or it could not be loaded (the service's log says why); try again later"
            )
        return served

    def served(self, version: str | None) -> Served:
        return self.current() if version is None else self.champion.version(version_number(version))

    async def body(self, request: Request) -> Any:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != JSON:
            raise unsupported_media_type(
                f"the body's content type is {media_type[:64] or 'not given'}; send it as {JSON} (Content-Type: {JSON})"
            )
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large(f"the body is {int(declared)} bytes; at most {limit} are accepted (send the rows in parts)")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large(
                    f"the body is over {limit} bytes; at most {limit} are accepted (send the rows in parts)"
                )
            chunks.append(chunk)
        return parse_json(b"".join(chunks))

    def predict(self, served: Served, batch: Batch, endpoint: str) -> Prediction:
        probabilities = served.predictor.probabilities(batch.columns)
        prediction = Prediction(
            {"label": labels_of(probabilities), "probability": probabilities}, served.predictor.unseen(batch.columns)
        )
        self.metrics.rows.inc(batch.rows)
        for name, count in prediction.unseen.items():
            self.metrics.unseen.labels(name).inc(count)
        if self.request_log is not None and self.request_log.sampled():
            record = {
                "time": time.time(),
                "endpoint": endpoint,
                "model_version": served.version,
                "rows": batch.rows,
                "inputs": batch.columns,
                "outputs": prediction.outputs,
            }
            if self.request_log.write(record):
                self.metrics.logged.inc()
        return prediction

    async def infer(self, request: Request, name: str, version: str | None) -> Response:
        check_model_name(name)
        served = self.served(version)
        inference: InferenceRequest = open_inference_request(await self.body(request), self.settings.max_rows)
        prediction = self.predict(served, inference.batch, "infer")
        outputs = [
            {
                "name": output,
                "shape": [inference.batch.rows],
                "datatype": OUTPUT_DATATYPES[output],
                "data": prediction.outputs[output],
            }
            for output in inference.outputs
        ]
        answer: dict[str, Any] = {
            "model_name": MODEL_NAME,
            "model_version": str(served.version),
            "id": inference.id or uuid.uuid4().hex,
            "outputs": outputs,
        }
        if prediction.unseen:
            answer["parameters"] = {"unseen_categories": prediction.unseen}
        return json_response(answer)

    async def invocations(self, request: Request) -> Response:
        served = self.current()
        batch = dataframe_request(await self.body(request), self.settings.max_rows)
        outputs = self.predict(served, batch, "invocations").outputs
        predictions = [
            {"label": label, "probability": probability}
            for label, probability in zip(outputs["label"], outputs["probability"].tolist(), strict=True)
        ]
        return json_response(
            {"predictions": predictions, "model_version": str(served.version)},
            headers={"X-Model-Version": str(served.version)},
        )

    async def model_metadata(self, name: str, version: str | None) -> Response:
        check_model_name(name)
        served = self.served(version)
        return json_response(
            {
                "name": MODEL_NAME,
                "versions": [str(number) for number in self.champion.versions()],
                "platform": PLATFORMS[served.predictor.model_name],
                "inputs": input_metadata(served),
                "outputs": output_metadata(),
                "parameters": {"served_version": str(served.version), "model": served.predictor.model_name},
            }
        )

    async def ready(self) -> Response:
        served = self.current()
        return json_response({"ready": True, "model_version": str(served.version)})

    async def model_ready(self, name: str) -> Response:
        check_model_name(name)
        return await self.ready()

    async def ping(self) -> Response:
        self.current()
        return json_response({"status": "ok"})


def create_app(service: Service) -> FastAPI:
    app = FastAPI(title=SERVER_NAME, openapi_url=None, docs_url=None, redoc_url=None)
    metrics = service.metrics

    async def observed(endpoint: str, answer: Callable[[], Awaitable[Response]]) -> Response:
        """``answer()``, a Problem it raises as its error response, counted and timed under ``endpoint``."""
        started = time.perf_counter()
        try:
            response = await answer()
        except Problem as problem:
            response = problem_response(problem)
        metrics.requests.labels(endpoint, str(response.status_code)).inc()
        metrics.latency.labels(endpoint).observe(time.perf_counter() - started)
        return response

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> Response:
        known = {404: "no such endpoint; see GET /v2 and the README", 405: "this endpoint does not take that method"}
        return problem_response(Problem(error.status_code, known.get(error.status_code, str(error.detail))))

    @app.exception_handler(Exception)
    async def crash(_request: Request, error: Exception) -> Response:
        log.exception("a request failed: %s", type(error).__name__)
        return problem_response(Problem(500, "internal error; the service logged it"))

    @app.get("/v2/health/live")
    async def live() -> Response:
        return await observed("live", lambda: constant({"live": True}))

    @app.get("/v2/health/ready")
    async def ready() -> Response:
        return await observed("ready", service.ready)

    @app.get("/v2")
    async def server_metadata() -> Response:
        return await observed("server", lambda: constant({"name": SERVER_NAME, "version": "1", "extensions": []}))

    @app.get("/v2/models/{name}")
    async def model(name: str) -> Response:
        return await observed("model", lambda: service.model_metadata(name, None))

    @app.get("/v2/models/{name}/ready")
    async def model_ready(name: str) -> Response:
        return await observed("model_ready", lambda: service.model_ready(name))

    @app.get("/v2/models/{name}/versions/{version}")
    async def version_metadata(name: str, version: str) -> Response:
        return await observed("model", lambda: service.model_metadata(name, version))

    @app.post("/v2/models/{name}/infer")
    async def infer(name: str, request: Request) -> Response:
        return await observed("infer", lambda: service.infer(request, name, None))

    @app.post("/v2/models/{name}/versions/{version}/infer")
    async def infer_version(name: str, version: str, request: Request) -> Response:
        return await observed("infer_version", lambda: service.infer(request, name, version))

    @app.post("/invocations")
    async def invocations(request: Request) -> Response:
        return await observed("invocations", lambda: service.invocations(request))

    @app.get("/ping")
    async def ping() -> Response:
        return await observed("ping", service.ping)

    @app.get("/metrics")
    async def prometheus() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return app


async def constant(document: Any) -> Response:
    return json_response(document)
