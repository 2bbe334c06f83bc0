"""Prediction requests of both protocols turned into checked columns, one list per feature: pure functions.

A value is checked as a data file's is (dataset.py): a category is a non-empty string (``?`` included, the
files' missing value), stripped of surrounding blanks; a number is finite, not negative and within float32.
Input names may be spelt as a data file's header may (``marital_status`` for ``marital.status``). A problem
names the input and the row (counting from 0) and describes a bad value by its kind, never by its text; a
name the client sent that is not an input or a field is shown only as a detail's ``input``, cut to 64 characters.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ..data.dataset import LARGEST_VALUE, NUMERIC_DOMAIN
from ..data.schema import CATEGORICAL_FEATURES, FEATURES, MISSING_VALUE, normalize_column_name
from .problems import Detail, bad_request, too_large

OUTPUT_NAMES: tuple[str, ...] = ("label", "probability")
CATEGORICAL_DATATYPE = "BYTES"
NUMERIC_DATATYPES: tuple[str, ...] = (
    "FP16",
    "FP32",
    "FP64",
    "INT8",
    "INT16",
    "INT32",
    "INT64",
    "UINT8",
    "UINT16",
    "UINT32",
    "UINT64",
)
OPEN_INFERENCE_FIELDS = frozenset({"id", "parameters", "inputs", "outputs"})
TENSOR_FIELDS = frozenset({"name", "shape", "datatype", "data", "parameters"})
DATAFRAME_FORMS: tuple[str, ...] = ("dataframe_split", "dataframe_records")
# A client's name shown in a problem is cut to this many characters.
SHOWN_NAME_LENGTH = 64

FEATURE_BY_NAME: Mapping[str, str] = {normalize_column_name(name): name for name in FEATURES}
EXPECTED_INPUTS = ", ".join(FEATURES)


@dataclass(frozen=True)
class Batch:
    """Checked values by feature (in FEATURES order): stripped strings for the categories, floats for the numbers."""

    columns: Mapping[str, list[Any]]
    rows: int


@dataclass(frozen=True)
class InferenceRequest:
    batch: Batch
    id: str | None
    outputs: tuple[str, ...]


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def shown(name: Any) -> str:
    text = name if isinstance(name, str) else kind_of(name)
    return text if len(text) <= SHOWN_NAME_LENGTH else text[:SHOWN_NAME_LENGTH] + "…"


def parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise bad_request(f"the body is not valid JSON ({error}); expected a JSON object") from None


def category_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"is {kind_of(value)}; expected a string (a category, or {MISSING_VALUE!r} for a missing one)"
    if not value.strip():
        return f"is an empty string; expected a category, or {MISSING_VALUE!r} for a missing one"
    return None


def number_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"is {kind_of(value)}; expected {NUMERIC_DOMAIN}"
    number = float(value)
    if not math.isfinite(number):
        return f"is not finite; expected {NUMERIC_DOMAIN}"
    if not 0.0 <= number <= LARGEST_VALUE:
        return f"is {number:.7g}, out of range; expected {NUMERIC_DOMAIN}"
    return None


def checked_values(feature: str, client_name: str, values: Sequence[Any], problems: list[Detail]) -> list[Any]:
    categorical = feature in CATEGORICAL_FEATURES
    problem_of = category_problem if categorical else number_problem
    for row, value in enumerate(values):
        problem = problem_of(value)
        if problem is not None:
            problems.append(Detail(shown(client_name), f"row {row} {problem}"))
    if categorical:
        return [value.strip() if isinstance(value, str) else value for value in values]
    return [float(value) if isinstance(value, (int, float)) else value for value in values]


def features_of(names: Sequence[Any]) -> dict[str, Any]:
    """Feature -> the client's name for it; a 400 naming every unknown, repeated or missing input."""
    found: dict[str, Any] = {}
    problems = []
    for name in names:
        feature = FEATURE_BY_NAME.get(normalize_column_name(name)) if isinstance(name, str) else None
        if feature is None:
            problems.append(
                Detail(shown(name), f"is not an input of this model; expected the inputs {EXPECTED_INPUTS}")
            )
        elif feature in found:
            problems.append(Detail(shown(name), f"names {feature} a second time; expected each input once"))
        else:
            found[feature] = name
    problems += [
        Detail(feature, "is missing; expected a value for every row") for feature in FEATURES if feature not in found
    ]
    if problems:
        raise bad_request(f"the request's inputs are not this model's {len(FEATURES)}", problems)
    return found


def checked_batch(named: Mapping[str, Sequence[Any]], rows: int) -> Batch:
    """``named``: the client's name -> its values; every feature once, every value usable, or a 400."""
    client_names = features_of(list(named))
    problems: list[Detail] = []
    columns = {
        feature: checked_values(feature, client_names[feature], named[client_names[feature]], problems)
        for feature in FEATURES
    }
    if problems:
        raise bad_request(f"{len(problems)} values are not usable", problems)
    return Batch(columns, rows)


def check_rows(rows: int, max_rows: int) -> None:
    if rows > max_rows:
        raise too_large(
            f"the request holds {rows} rows; at most {max_rows} are accepted in one request (send them in parts)"
        )
    if rows == 0:
        raise bad_request("the request holds no rows; expected at least one")


def require_object(document: Any, expected: str) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise bad_request(f"the body is {kind_of(document)}; expected a JSON object with {expected}")
    return document


def unknown_fields(document: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    extra = sorted(shown(key) for key in document if key not in allowed)
    if extra:
        raise bad_request(
            f"{where} has fields this service does not know; expected only {', '.join(sorted(allowed))}",
            [Detail(name, f"is not a field of {where}") for name in extra],
        )


def tensor_problem(name: Any, problem: str) -> Exception:
    return bad_request("an input tensor is not usable", [Detail(shown(name), problem)])


def flat_tensor_data(name: str, shape: list[int], data: list[Any]) -> list[Any]:
    """The data of a tensor of shape [n] or [n, 1], given flat or nested as the protocol allows."""
    values = (
        [item[0] if isinstance(item, list) and len(item) == 1 else item for item in data] if len(shape) == 2 else data
    )
    if len(values) != shape[0] or any(isinstance(value, list) for value in values):
        raise tensor_problem(name, f"has data that does not fill its shape; expected {shape[0]} values")
    return values


def tensor_shape(name: str, shape: Any) -> list[int]:
    valid = (
        isinstance(shape, list)
        and len(shape) in (1, 2)
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
        and (len(shape) == 1 or shape[1] == 1)
    )
    if not valid:
        raise tensor_problem(name, "has a shape that is not [rows] or [rows, 1]")
    return shape


def tensor_values(tensor: Any, max_rows: int) -> tuple[str, list[Any]]:
    if not isinstance(tensor, dict) or not isinstance(tensor.get("name"), str):
        raise bad_request(
            'an entry of inputs is not a tensor with a name; expected {"name", "shape", "datatype", "data"}'
        )
    name = tensor["name"]
    unknown_fields(tensor, TENSOR_FIELDS, "an input tensor")
    shape = tensor_shape(name, tensor.get("shape"))
    check_rows(shape[0], max_rows)
    feature = FEATURE_BY_NAME.get(normalize_column_name(name))
    datatype = tensor.get("datatype")
    expected = (CATEGORICAL_DATATYPE,) if feature in CATEGORICAL_FEATURES else NUMERIC_DATATYPES
    if feature is not None and datatype not in expected:
        given = datatype if datatype in (CATEGORICAL_DATATYPE, *NUMERIC_DATATYPES) else "an unknown one"
        raise tensor_problem(
            name, f"has datatype {given}; expected {' or '.join(expected[:3])}{'…' if len(expected) > 3 else ''}"
        )
    if not isinstance(tensor.get("data"), list):
        raise tensor_problem(name, f'has no data list; expected "data": [...] with {shape[0]} values')
    return name, flat_tensor_data(name, shape, tensor["data"])


def requested_outputs(outputs: Any) -> tuple[str, ...]:
    if outputs is None:
        return OUTPUT_NAMES
    names = (
        [output.get("name") if isinstance(output, dict) else None for output in outputs]
        if isinstance(outputs, list)
        else [None]
    )
    unknown = [name for name in names if name not in OUTPUT_NAMES]
    if unknown or not names:
        raise bad_request(
            f'outputs must be a list of {{"name": ...}} with names among {", ".join(OUTPUT_NAMES)}',
            [Detail(shown(name), "is not an output of this model") for name in unknown],
        )
    return tuple(name for name in OUTPUT_NAMES if name in names)


def open_inference_request(document: Any, max_rows: int) -> InferenceRequest:
    """An Open Inference Protocol v2 inference request: one tensor per input, all with the same rows."""
    body = require_object(document, '"inputs" (Open Inference Protocol v2)')
    unknown_fields(body, OPEN_INFERENCE_FIELDS, "the request")
    request_id = body.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise bad_request(f"id is {kind_of(request_id)}; expected a string")
    tensors = body.get("inputs")
    if not isinstance(tensors, list) or not tensors:
        raise bad_request(
            'the request has no inputs list; expected "inputs": [{"name", "shape", "datatype", "data"}, ...]'
        )
    named: dict[str, list[Any]] = {}
    for tensor in tensors:
        name, values = tensor_values(tensor, max_rows)
        if name in named:
            raise tensor_problem(name, "is given twice; expected each input once")
        named[name] = values
    rows = {len(values) for values in named.values()}
    if len(rows) > 1:
        raise bad_request(
            f"the inputs have different numbers of rows ({', '.join(map(str, sorted(rows)))}); expected the same for every input"
        )
    outputs = requested_outputs(body.get("outputs"))
    return InferenceRequest(checked_batch(named, rows.pop()), request_id, outputs)


def split_columns(split: Any, max_rows: int) -> dict[str, list[Any]]:
    frame = require_object(split, '"columns" and "data" (pandas\' split orient)')
    unknown_fields(frame, frozenset({"columns", "data", "index"}), "dataframe_split")
    columns, data = frame.get("columns"), frame.get("data")
    if not isinstance(columns, list) or not isinstance(data, list):
        raise bad_request('dataframe_split needs "columns" (a list of names) and "data" (a list of rows)')
    if not all(isinstance(name, str) for name in columns):
        raise bad_request("dataframe_split has a column name that is not a string; expected the input names")
    check_rows(len(data), max_rows)
    for row, values in enumerate(data):
        if not isinstance(values, list) or len(values) != len(columns):
            raise bad_request(
                f"dataframe_split row {row} is {kind_of(values) if not isinstance(values, list) else f'{len(values)} values'}; expected a list of {len(columns)} values, one per column"
            )
    if len(set(columns)) != len(columns):
        raise bad_request("dataframe_split names a column twice; expected each input once")
    return {name: [values[position] for values in data] for position, name in enumerate(columns)}


def record_columns(records: Any, max_rows: int) -> dict[str, list[Any]]:
    if not isinstance(records, list):
        raise bad_request(
            f"dataframe_records is {kind_of(records)}; expected a list of rows, each an object of input: value"
        )
    check_rows(len(records), max_rows)
    names: dict[str, None] = {}
    for row, record in enumerate(records):
        if not isinstance(record, dict):
            raise bad_request(f"dataframe_records row {row} is {kind_of(record)}; expected an object of input: value")
        names.update(dict.fromkeys(record))
    missing = object()
    columns = {name: [record.get(name, missing) for record in records] for name in names}
    problems = [
        Detail(shown(name), f"row {row} has no value; expected a value for every input in every row")
        for name, values in columns.items()
        for row, value in enumerate(values)
        if value is missing
    ]
    if problems:
        features_of(list(names))  # unknown names first: they explain most gaps
        raise bad_request(f"{len(problems)} rows lack an input", problems)
    return columns


def dataframe_request(document: Any, max_rows: int) -> Batch:
    """An MLflow/SageMaker ``/invocations`` body: ``dataframe_split`` or ``dataframe_records``."""
    body = require_object(document, " or ".join(DATAFRAME_FORMS) + " (MLflow's scoring format)")
    forms = [form for form in DATAFRAME_FORMS if form in body]
    if len(forms) != 1:
        raise bad_request(
            f"the body has {' and '.join(forms) if forms else 'neither ' + ' nor '.join(DATAFRAME_FORMS)}; "
            f"expected exactly one of {', '.join(DATAFRAME_FORMS)} (this model takes a table, not tensors)",
            [Detail(shown(key), "is not a field of the body") for key in sorted(body) if key not in DATAFRAME_FORMS],
        )
    unknown_fields(body, frozenset(forms), "the body")
    named = (
        split_columns(body[forms[0]], max_rows)
        if forms[0] == "dataframe_split"
        else record_columns(body[forms[0]], max_rows)
    )
    rows = len(next(iter(named.values()), []))
    return checked_batch(named, rows)
