import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import datafiles
from adult_pipeline.data import dataset, schema
from adult_pipeline.process.errors import InputError


def sort_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_original_csv_and_uci_data_hold_the_same_rows(data_dir: Path) -> None:
    from_csv = dataset.read_table(str(data_dir / "adult.csv"))
    from_uci = dataset.read_table(str(data_dir / "adult.data"))
    assert from_csv.frame.shape == from_uci.frame.shape == (32561, len(schema.REQUIRED_COLUMNS))
    assert list(from_csv.frame.columns) == list(schema.REQUIRED_COLUMNS)
    pd.testing.assert_frame_equal(sort_rows(from_csv.frame), sort_rows(from_uci.frame))
    assert from_csv.sha256 == "250e154ed75714ae57a564926d66c6319cd6aac1bcd32774cc76841a88d74e53"


def test_uci_test_file_skips_its_comment_line_and_strips_the_label_dot(data_dir: Path) -> None:
    table = dataset.read_table(str(data_dir / "adult.test"))
    assert len(table.frame) == 16281
    assert set(table.frame[schema.LABEL]) == set(schema.LABELS)
    assert table.frame["age"].dtype.kind in "iu"


def test_header_names_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "dashes.csv"
    header = [name.replace(".", "-").title() for name in schema.RAW_COLUMNS]
    row = [
        "39",
        "State-gov",
        "77516",
        "Bachelors",
        "13",
        "Never-married",
        "Adm-clerical",
        "Not-in-family",
        "White",
        "Male",
        "2174",
        "0",
        "40",
        "United-States",
        ">50K.",
    ]
    datafiles.write_csv_rows(path, header, [row])
    frame = dataset.read_table(str(path)).frame
    assert frame.loc[0, "native.country"] == "United-States"
    assert frame.loc[0, schema.LABEL] == ">50K"


@pytest.fixture(scope="module")
def csv_rows(data_dir: Path) -> tuple[list[str], list[list[str]]]:
    header, rows = datafiles.read_csv_rows(data_dir / "adult.csv")
    return header, rows[::20]


def write(tmp_path: Path, name: str, header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    return str(datafiles.write_csv_rows(tmp_path / name, header, rows, delimiter))


def expect_error(path: str, *fragments: str) -> str:
    with pytest.raises(InputError) as caught:
        dataset.read_table(path)
    message = str(caught.value)
    assert Path(path).name in message and "expected" in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_missing_file(tmp_path: Path) -> None:
    expect_error(str(tmp_path / "nope.csv"), "file not found")


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "empty.csv").write_bytes(content)
    expect_error(str(tmp_path / "empty.csv"), "empty")


def test_header_only(tmp_path: Path, csv_rows) -> None:
    header, _ = csv_rows
    expect_error(write(tmp_path, "header.csv", header, []), "no data rows")


def test_missing_column(tmp_path: Path, csv_rows) -> None:
    header, rows = datafiles.without_column(*csv_rows, "occupation")
    expect_error(write(tmp_path, "cols.csv", header, rows), "missing column 'occupation'")


def test_dropped_columns_are_not_required(tmp_path: Path, csv_rows) -> None:
    header, rows = datafiles.without_column(*csv_rows, "fnlwgt")
    assert len(dataset.read_table(write(tmp_path, "nofnlwgt.csv", header, rows)).frame) == len(rows)


def test_duplicate_column(tmp_path: Path, csv_rows) -> None:
    header, rows = csv_rows
    header = header[:-2] + ["age", header[-1]]
    expect_error(write(tmp_path, "dup.csv", header, rows), "'age' appears twice")


def test_unknown_label(tmp_path: Path, csv_rows) -> None:
    header, rows = csv_rows
    path = write(tmp_path, "label.csv", header, datafiles.with_value(header, rows, 100, "income", ">60K"))
    expect_error(path, "line 102", "'income'", "'>60K'", "'<=50K' or '>50K'")


@pytest.mark.parametrize("column, value", [("age", "forty"), ("hours.per.week", "?"), ("capital.gain", "inf")])
def test_non_numeric_value(tmp_path: Path, csv_rows, column: str, value: str) -> None:
    header, rows = csv_rows
    path = write(tmp_path, "num.csv", header, datafiles.with_value(header, rows, 7, column, value))
    expect_error(path, "line 9", f"'{column}'", f"'{value}'", "expected a number")


def test_empty_categorical_value(tmp_path: Path, csv_rows) -> None:
    header, rows = csv_rows
    path = write(tmp_path, "blank.csv", header, datafiles.with_value(header, rows, 3, "race", ""))
    expect_error(path, "line 5", "'race' is empty")


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_wrong_delimiter(tmp_path: Path, csv_rows, delimiter: str) -> None:
    expect_error(write(tmp_path, "semi.csv", *csv_rows, delimiter=delimiter), repr(delimiter), "expected ','")


@pytest.mark.parametrize("name", ["adult.csv", "adult.data", "adult.test"])
def test_truncated_last_line(tmp_path: Path, data_dir: Path, name: str) -> None:
    path = datafiles.truncate_last_line(data_dir / name, tmp_path / f"cut-{name}")
    expect_error(str(path), "truncated")


def test_wrong_field_count_in_the_middle(tmp_path: Path, data_dir: Path) -> None:
    lines = datafiles.read_lines(data_dir / "adult.data")[:50]
    lines[10] = ", ".join(lines[10].rstrip("\n").split(", ")[:-2]) + "\n"
    (tmp_path / "short.data").write_text("".join(lines))
    expect_error(str(tmp_path / "short.data"), "line 11", "fields, expected 15")


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "latin.csv").write_bytes("age,workclass\n39,Caf\xe9\n".encode("latin-1"))
    expect_error(str(tmp_path / "latin.csv"), "not UTF-8")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path, data_dir: Path) -> None:
    path = tmp_path / "adult.csv"
    path.write_bytes((data_dir / "adult.csv").read_bytes())
    size = path.stat().st_size
    with pytest.raises(
        InputError,
        match=f"adult.csv: {size} bytes, more than MAX_INPUT_BYTES={size - 1}; "
        "expected the UCI Adult data .* raise MAX_INPUT_BYTES",
    ):
        dataset.read_table(str(path), str(tmp_path), size - 1)
    assert len(dataset.read_table(str(path), str(tmp_path), size).frame) == 32561


def test_links_out_of_the_data_folder_and_devices_are_refused(tmp_path: Path, data_dir: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "inside.csv").symlink_to(data_dir / "adult.csv")
    (folder / "zero").symlink_to("/dev/zero")
    with pytest.raises(InputError, match=f"inside.csv: leads to {data_dir / 'adult.csv'}, outside RAW_DATA_DIR"):
        dataset.read_table(str(folder / "inside.csv"), str(folder), 10**9)
    with pytest.raises(InputError, match="not a regular file"):
        dataset.read_table("/dev/zero", "/dev", 10**9)
    (folder / "link.csv").symlink_to("inside-target.csv")
    (folder / "inside-target.csv").write_bytes((data_dir / "adult.csv").read_bytes())
    assert len(dataset.read_table(str(folder / "link.csv"), str(folder), 10**9).frame) == 32561


# --- numbers outside a column's domain (issue 17, item 7) ----------------------------------------


def small_rows(count: int = 24) -> list[list[str]]:
    """Rows made up here (not the shared data): both labels, every numeric column ordinary."""
    return [
        [
            str(30 + i),
            "Private",
            "77516",
            "Bachelors",
            "13",
            "Never-married",
            "Adm-clerical",
            "Not-in-family",
            "White",
            "Male" if i % 3 else "Female",
            str(100 * i),
            "0",
            "40",
            "United-States",
            ">50K" if i % 2 else "<=50K",
        ]
        for i in range(count)
    ]


def write_uci(path: Path, rows: list[list[str]]) -> str:
    """adult.test's format: a `|` comment line, `, `-separated, no header, labels ending with a dot."""
    path.write_text("|1x3 Cross validator\n" + "".join(", ".join(row[:-1] + [row[-1] + "."]) + "\n" for row in rows))
    return str(path)


OUT_OF_DOMAIN = [
    ("age", "1e39", "value '1e39' beyond the largest float32"),
    ("capital.gain", "1e308", "value '1e308' beyond the largest float32"),
    ("capital.loss", "-3.5e38", "negative value '-3.5e38'"),
    ("hours.per.week", "-1", "negative value '-1'"),
    ("capital.gain", "1e309", "non-finite value '1e309'"),
    ("age", "-inf", "non-finite value '-inf'"),
    ("capital.loss", "nan", "non-numeric value 'nan'"),
    ("fnlwgt", "-77516", "negative value '-77516'"),  # not used by the models, but a broken file
    ("education.num", "1e39", "value '1e39' beyond the largest float32"),
]


@pytest.mark.parametrize("column, value, problem", OUT_OF_DOMAIN)
def test_a_number_outside_its_domain_names_file_line_and_column(
    tmp_path: Path, column: str, value: str, problem: str
) -> None:
    header, rows = list(schema.RAW_COLUMNS), small_rows()
    path = write(tmp_path, "domain.csv", header, datafiles.with_value(header, rows, 6, column, value))
    message = expect_error(
        path, "domain.csv line 8", f"column '{column}' has {problem}; expected a number from 0 to 3.402823e+38"
    )
    assert message.startswith(f"{path} line 8: ")


def test_the_domain_check_is_one_pure_function() -> None:
    inside = np.array([0.0, -0.0, 39.0, 1484705.0, dataset.LARGEST_VALUE])
    outside = np.array([-1e-300, np.nan, np.inf, -np.inf, np.nextafter(dataset.LARGEST_VALUE, np.inf), 1e39])
    assert not dataset.outside_domain(inside).any()
    assert dataset.outside_domain(outside).all()
    assert [dataset.domain_problem(t) for t in ("x", "nan", "inf", "-2", "4e38")] == [
        "non-numeric value 'x'",
        "non-numeric value 'nan'",
        "non-finite value 'inf'",
        "negative value '-2'",
        "value '4e38' beyond the largest float32",
    ]


def test_ordinary_and_boundary_numbers_still_load(tmp_path: Path) -> None:
    header, rows = list(schema.RAW_COLUMNS), small_rows()
    rows = datafiles.with_value(header, rows, 0, "capital.gain", "3.4e38")  # within float32
    rows = datafiles.with_value(header, rows, 1, "capital.loss", "-0")
    frame = dataset.read_table(write(tmp_path, "ok.csv", header, rows)).frame
    assert len(frame) == 24 and frame["capital.gain"].max() == 3.4e38 and frame["age"].dtype.kind in "iu"
    assert len(dataset.read_table(write_uci(tmp_path / "ok.test", small_rows())).frame) == 24


@pytest.mark.parametrize("role", ["training", "test"])
def test_the_training_file_and_the_test_file_are_checked_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], role: str
) -> None:
    """preprocessing.py's whole path (cli.run): exit 2 and one error line naming the file, its line and the column."""
    from adult_pipeline.process import cli
    from adult_pipeline.run import stages

    bad = datafiles.with_value(list(schema.RAW_COLUMNS), small_rows(), 9, "age", "1e39")
    write(tmp_path, "train.csv", list(schema.RAW_COLUMNS), bad if role == "training" else small_rows())
    write_uci(tmp_path / "held.test", bad if role == "test" else small_rows())
    env = {
        "RAW_DATA_DIR": str(tmp_path),
        "RAW_DATA_FILE": "train.csv",
        "TEST_DATA_FILE": "held.test",
        "MODEL": "hgb",
        "PROCESSED_DATA_DIR": str(tmp_path / "processed"),
        "MODEL_DIR": str(tmp_path / "model"),
        "RESULTS_DIR": str(tmp_path / "results"),
    }
    assert cli.run(stages.preprocessing_main, env) == 2
    lines = capsys.readouterr().err.splitlines()
    name = "train.csv" if role == "training" else "held.test"
    assert lines == [
        f"error: {tmp_path / name} line 11: column 'age' has value '1e39' beyond the largest float32; "
        f"expected {dataset.NUMERIC_DOMAIN}"
    ]
    assert not (tmp_path / "processed").exists() or os.listdir(tmp_path / "processed") == []
    write_uci(tmp_path / "held.test", small_rows())
    write(tmp_path, "train.csv", list(schema.RAW_COLUMNS), small_rows())
    assert cli.run(stages.preprocessing_main, env) == 0, "the same files, ordinary, preprocess"


def test_reading_never_allocates_the_limit_up_front(tmp_path: Path) -> None:
    """A limit far above the file's size reads only the file (read(limit) would allocate it all at once)."""
    path = write(tmp_path, "small.csv", list(schema.RAW_COLUMNS), small_rows())
    assert len(dataset.read_table(path, str(tmp_path), 2**62).frame) == 24
