import pytest

from adult_pipeline import contract
from adult_pipeline.process import config
from adult_pipeline.process.errors import InputError


def test_defaults_match_the_image_contract() -> None:
    settings = config.load_settings({})
    paths = settings.paths
    assert (paths.raw_file, paths.test_file) == ("/data/adult.csv", None)
    assert paths.train_csv == "/work/processed/train.csv"
    assert paths.model_dir == "/work/model"
    assert paths.train_metadata == "/work/results/train_metadata.json"
    assert paths.test_metadata == "/work/results/test_metadata.json"
    defaults = {name: default for name, (default, _) in contract.ENVIRONMENT.items()}
    assert (settings.threshold, settings.model, settings.seed) == (
        float(defaults["THRESHOLD"]),
        defaults["MODEL"],
        int(defaults["SEED"]),
    )
    assert settings.split == "random"


def test_test_data_file_switches_to_the_official_split() -> None:
    settings = config.load_settings(
        {"RAW_DATA_DIR": "/d", "RAW_DATA_FILE": "adult.data", "TEST_DATA_FILE": "adult.test"}
    )
    assert settings.split == "official"
    assert settings.paths.test_file == "/d/adult.test"
    assert config.load_settings({"TEST_DATA_FILE": "  "}).split == "random"


@pytest.mark.parametrize("text, value", [("0", 0.0), ("1", 1.0), ("0.85", 0.85), (" 0.5 ", 0.5)])
def test_threshold_accepts_numbers_in_the_unit_interval(text: str, value: float) -> None:
    assert config.parse_threshold(text) == value


@pytest.mark.parametrize("text", ["abc", "", "1.5", "-0.1", "nan", "inf", "80%"])
def test_threshold_rejects_other_values(text: str) -> None:
    with pytest.raises(InputError, match=r"THRESHOLD=.*expected a number in \[0, 1\]"):
        config.parse_threshold(text)


def test_model_must_be_known() -> None:
    assert [config.parse_model(name) for name in ("xgb", "hgb", "logreg")] == ["xgb", "hgb", "logreg"]
    with pytest.raises(InputError, match="MODEL='xgboost'.*expected one of: xgb, hgb, logreg"):
        config.parse_model("xgboost")


@pytest.mark.parametrize("text", ["-1", "4.2", "x", "", str(2**32)])
def test_seed_must_be_a_non_negative_integer(text: str) -> None:
    with pytest.raises(InputError, match="SEED="):
        config.parse_seed(text)


def test_empty_folder_setting_is_an_error() -> None:
    with pytest.raises(InputError, match="MODEL_DIR is empty"):
        config.load_paths({"MODEL_DIR": ""})


def test_minus_zero_is_zero_and_nan_is_not_a_number() -> None:
    assert str(config.parse_threshold("-0")) == "0.0"
    with pytest.raises(InputError, match=r"THRESHOLD='nan' is not a number"):
        config.parse_threshold("nan")
    with pytest.raises(InputError, match=r"THRESHOLD='inf' is out of range"):
        config.parse_threshold("inf")


@pytest.mark.parametrize(
    "name, value",
    [
        ("RAW_DATA_FILE", "../etc/passwd"),
        ("RAW_DATA_FILE", "/etc/passwd"),
        ("RAW_DATA_FILE", "sub/../../x.csv"),
        ("TEST_DATA_FILE", "../dev/zero"),
        ("TEST_DATA_FILE", "/data/adult.test"),
    ],
)
def test_data_file_names_must_stay_inside_the_data_folder(name: str, value: str) -> None:
    with pytest.raises(InputError, match=f"{name}={value!r} leaves RAW_DATA_DIR; expected a file name inside it"):
        config.load_settings({name: value})


def test_data_file_names_may_name_a_subfolder() -> None:
    assert config.load_settings({"RAW_DATA_FILE": "v2/adult.csv"}).paths.raw_file == "/data/v2/adult.csv"


@pytest.mark.parametrize("text", ["0", "-1", "1e6", "64M", ""])
def test_max_input_bytes_must_be_a_positive_whole_number(text: str) -> None:
    assert config.load_settings({"MAX_INPUT_BYTES": "1000"}).max_input_bytes == 1000
    with pytest.raises(InputError, match=f"MAX_INPUT_BYTES={text!r} is not a positive whole number"):
        config.load_settings({"MAX_INPUT_BYTES": text})


@pytest.mark.parametrize("text", ["1073741825", "1000000000000", str(2**63 - 1), "9" * 5000])
def test_max_input_bytes_has_an_upper_bound(text: str) -> None:
    """Above 1 GiB a run would need more than 15 GiB; 10**12 gave a MemoryError, 2**63-1 an OverflowError (exit 1)."""
    assert (
        config.load_settings({"MAX_INPUT_BYTES": "1073741824"}).max_input_bytes == config.MAX_INPUT_BYTES_LIMIT == 2**30
    )
    with pytest.raises(
        InputError, match=r"MAX_INPUT_BYTES='\d+' is out of range; expected a size in bytes, .* at most 1073741824"
    ):
        config.load_settings({"MAX_INPUT_BYTES": text})


def test_a_bad_max_input_bytes_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    from adult_pipeline.process import cli
    from adult_pipeline.run import stages

    env = {name: str(tmp_path / name) for name in ("PROCESSED_DATA_DIR", "MODEL_DIR", "RESULTS_DIR")}
    assert cli.run(stages.preprocessing_main, {**env, "MAX_INPUT_BYTES": "1000000000000"}) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: MAX_INPUT_BYTES='1000000000000' is out of range; expected a size in bytes, such as 67108864 (64 MiB), at most 1073741824"
    ]


# What a model container's environment holds besides the settings: the image's own ENV (ml/Dockerfile),
# what Docker adds, and what a Jenkins job, the stack's command and their scripts export around it.
IMAGE_ENV = ("PATH", "HOSTNAME", "HOME", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", *contract.ENVIRONMENT)
TYPICAL_ENV = (
    "LANG",
    "LC_ALL",
    "TERM",
    "USER",
    "LOGNAME",
    "SHELL",
    "PWD",
    "OLDPWD",
    "SHLVL",
    "_",
    "TZ",
    "TMPDIR",
    "container",
    "BUILD_ID",
    "BUILD_NUMBER",
    "BUILD_TAG",
    "BUILD_URL",
    "BUILD_DISPLAY_NAME",
    "EXECUTOR_NUMBER",
    "JENKINS_HOME",
    "JENKINS_URL",
    "JENKINS_NODE_COOKIE",
    "JENKINS_SERVER_COOKIE",
    "JOB_NAME",
    "JOB_BASE_NAME",
    "JOB_URL",
    "NODE_NAME",
    "NODE_LABELS",
    "WORKSPACE",
    "WORKSPACE_TMP",
    "STAGE_NAME",
    "CI",
    "RUN_DISPLAY_URL",
    "RUN_CHANGES_DISPLAY_URL",
    "RUN_ARTIFACTS_DISPLAY_URL",
    "RUN_TESTS_DISPLAY_URL",
    "HUDSON_HOME",
    "HUDSON_URL",
    "HUDSON_SERVER_COOKIE",
    "JAVA_HOME",
    "JAVA_OPTS",
    "GIT_COMMIT",
    "GIT_BRANCH",
    "GIT_URL",
    "GIT_PREVIOUS_COMMIT",
    "GIT_PREVIOUS_SUCCESSFUL_COMMIT",
    "GIT_LOCAL_BRANCH",
    "GIT_AUTHOR_NAME",
    "GIT_COMMITTER_EMAIL",
    "DOCKER_HOST",
    "DOCKER_TLS_VERIFY",
    "DOCKER_CERT_PATH",
    "DOCKER_CONFIG",
    "GITHUB_TOKEN",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "PYTHONPATH",
    "PYTHONHASHSEED",
    "PYTHONWARNINGS",
    "VIRTUAL_ENV",
    "MPLBACKEND",
    "MPLCONFIGDIR",
    "XDG_CACHE_HOME",
    "XDG_RUNTIME_DIR",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "DEBIAN_FRONTEND",
    "NODE_OPTIONS",
    "PULUMI_BACKEND_URL",
    "PULUMI_CONFIG_PASSPHRASE",
    "BASE_IMAGE",
    "JENKINS_BASE_IMAGE",
    "JENKINS_VERSION",
    # the callers' own variables (contracts/modelImage.ts, scripts/): DATA_DIR is 0.80 like RAW_DATA_DIR
    "DATA_DIR",
    "MODEL_IMAGE",
    "MODEL_ENV_VARS",
    "MODEL_MEMORY_LIMIT",
    "MODEL_PIDS_LIMIT",
    "MODEL_CONTAINER",
    "GATE_FAILED_STATUS",
    "ENGINE_UNREACHABLE_STATUS",
    "IMAGE_MISSING_STATUS",
    "OUT_OF_MEMORY_STATUS",
    "KILLED_STATUS",
    "BAD_REGISTRY_STATUS",
    "BAD_SETTING_STATUS",
    "REPORTS_DIR",
    "REGISTRY_VOLUME",
    "DATA_VOLUME",
)


@pytest.mark.parametrize(
    "name, meant",
    [
        ("THRESHHOLD", "THRESHOLD"),
        ("TRESHOLD", "THRESHOLD"),
        ("THERSHOLD", "THRESHOLD"),
        ("threshold", "THRESHOLD"),
        ("Threshold", "THRESHOLD"),
        ("MODLE", "MODEL"),
        ("model", "MODEL"),
        ("SEEDS", "SEED"),
        ("MAX_REGRESION", "MAX_REGRESSION"),
        ("RAW_DATA_FIEL", "RAW_DATA_FILE"),
        ("TEST_DATAFILE", "TEST_DATA_FILE"),
        ("RESULT_DIR", "RESULTS_DIR"),
        ("MAX_INPUT_BYTE", "MAX_INPUT_BYTES"),
        ("DOWNLOAD_DEADLINE_SECOND", "DOWNLOAD_DEADLINE_SECONDS"),
    ],
)
def test_a_misspelt_setting_is_taken_for_the_one_it_looks_like(name: str, meant: str) -> None:
    assert config.meant_setting(name) == meant


def test_the_image_and_a_typical_docker_or_jenkins_environment_look_like_no_setting() -> None:
    assert config.misspelt_settings(IMAGE_ENV + TYPICAL_ENV) == []


def test_a_misspelt_setting_gets_one_warning_and_keeps_its_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "_warned", set())
    env = {"THRESHHOLD": "0.99", "threshold": "0.99", "PATH": "/usr/bin", "HOSTNAME": "3f2a9c1b7d0e"}
    settings = config.load_settings(env)
    config.load_settings(env)  # a run loads its settings more than once
    assert settings.threshold == float(contract.ENVIRONMENT["THRESHOLD"][0])
    assert capsys.readouterr() == (
        "",
        "".join(
            f"{line}\n"
            for line in [
                "warning: THRESHHOLD is not a setting of this image and is ignored; did you mean THRESHOLD?",
                "warning: threshold is not a setting of this image and is ignored; did you mean THRESHOLD?",
            ]
        ),
    )


def test_a_stage_script_warns_before_its_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    from adult_pipeline.process import cli
    from adult_pipeline.run import stages

    monkeypatch.setattr(config, "_warned", set())
    env = {name: str(tmp_path / name) for name in ("PROCESSED_DATA_DIR", "MODEL_DIR", "RESULTS_DIR")}
    assert cli.run(stages.gate_main, {**env, "MODLE": "logreg"}) == 2  # no train_metadata.json yet
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "warning: MODLE is not a setting of this image and is ignored; did you mean MODEL?"
    assert err[1].startswith("error: ") and len(err) == 2
