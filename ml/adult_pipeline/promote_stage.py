"""The promotion stage (promote.py, and the end of pipeline.py's gated run): scores this run's model
on its evaluation rows, re-scores the registry's champion on the same rows, decides, records the
version in the registry (promoted or rejected, with the reason) and writes the metrics JSON and the
report next to the other results. Everything that reads the champion and writes the registry
happens under the registry's lock."""

import datetime
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from . import artifacts, config, evaluation, fairness, features, registry, report, results, stages
from .config import Settings
from .contract import ENVIRONMENT
from .errors import EXIT_OK, InputError
from .evaluation import Scored
from .models import single_threaded_openmp
from .promotion import Verdict, decide, metrics_diff

CODE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# A Jenkins chain on a build host other than the registry's runs its model container with REGISTRY_DIR empty.
NO_REGISTRY_REASON = "no model registry on this build host (it is on pipelineHost's engine): nothing recorded"


# The longest wait for the registry's lock that may be asked for: a day (a longer one is a run that hangs).
MAX_LOCK_TIMEOUT_SECONDS = 86400


@dataclass(frozen=True)
class PromotionSettings:
    """``registry_dir`` None: no registry here; the verdict is reported and nothing is recorded."""
    registry_dir: Optional[str]
    max_regression: float
    lock_timeout_seconds: int = int(ENVIRONMENT["REGISTRY_LOCK_TIMEOUT_SECONDS"][0])


def parse_max_regression(text: str) -> float:
    return config.parse_fraction("MAX_REGRESSION", text, "a fraction in [0, 1] such as 0.005")


def parse_lock_timeout(text: str) -> int:
    return config.parse_positive_integer(
        "REGISTRY_LOCK_TIMEOUT_SECONDS", text, "a number of seconds, such as 600", MAX_LOCK_TIMEOUT_SECONDS,
    )


def load_promotion_settings(env: Mapping[str, str]) -> PromotionSettings:
    registry_dir = env.get("REGISTRY_DIR", ENVIRONMENT["REGISTRY_DIR"][0]).strip()
    return PromotionSettings(
        registry_dir or None,
        parse_max_regression(env.get("MAX_REGRESSION", ENVIRONMENT["MAX_REGRESSION"][0])),
        parse_lock_timeout(env.get("REGISTRY_LOCK_TIMEOUT_SECONDS", ENVIRONMENT["REGISTRY_LOCK_TIMEOUT_SECONDS"][0])),
    )


def source_sha256(root: str = CODE_ROOT) -> str:
    """Content hash of the code that made the model: the stage scripts and the package (names and bytes)."""
    digest = hashlib.sha256()
    folders = [root, os.path.join(root, "adult_pipeline")]
    for path in sorted(os.path.join(folder, name) for folder in folders for name in os.listdir(folder) if name.endswith(".py")):
        digest.update(os.path.relpath(path, root).encode() + b"\0")
        with open(path, "rb") as handle:
            digest.update(handle.read() + b"\0")
    return digest.hexdigest()


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def score_model(model_file: str, settings: Settings, check_run: Optional[str]) -> tuple[Scored, dict[str, Any]]:
    """Scores the model in ``model_file`` on this run's evaluation rows (the processed test split); with
    ``check_run`` the model must be the one trained on this run's data. Returns the scores and the rows' sensitive attributes."""
    bundle = artifacts.load_model(model_file, stages.MODEL_KEYS)
    if check_run is not None and bundle["run_id"] != check_run:
        raise InputError(f"{model_file}: trained on other data than {settings.paths.test_csv}; expected train.py to run after preprocessing.py")
    frame = features.read_processed(settings.paths.test_csv)
    x, y = features.split_xy(frame)
    with single_threaded_openmp():
        scored = evaluation.score(bundle["model"], x, y)
    return scored, {name: frame[name].to_numpy() for name in fairness.SENSITIVE_ATTRIBUTES}


def rescore_champion(champion: registry.Version, settings: Settings) -> Scored:
    try:
        return score_model(champion.model_file, settings, None)[0]
    except InputError as error:
        raise registry.RegistryError(f"champion v{champion.number} cannot be re-scored: {error}") from None


def champion_figures(version: Optional[registry.Version]) -> Optional[dict[str, Any]]:
    if version is None:
        return None
    scores = version.metadata["metrics"]
    return {"version": version.number, "validation_acc": scores.get("validation_acc"), "test_acc": scores.get("test_acc")}


def verdict_line(summary: Mapping[str, Any], outcome: str, reason: str) -> str:
    """One line a person (and Jenkins' description setter) reads: the figures and the verdict."""
    test_acc = "not run" if summary["test_acc"] is None else f"{summary['test_acc']:.4f}"
    return f"verdict: validation_acc {summary['validation_acc']:.4f}, test_acc {test_acc}: {outcome} ({reason})"


def recorded_outcome(number: int, verdict: Verdict, champion: Optional[Mapping[str, Any]]) -> str:
    return f"promoted, v{number} is the champion" if verdict.promoted else f"v{number} rejected, champion stays {'v' + str(champion['version']) if champion else 'none'}"


def render_report(content: report.ReportInput) -> Optional[str]:
    """The report's HTML, or None with a warning: a report that fails never changes the verdict."""
    try:
        return report.render(content)
    except Exception as error:  # plotting can fail in many ways; the verdict stands without the report
        print(f"warning: the report was not written: {type(error).__name__}: {error}", file=sys.stderr)
        return None


@dataclass(frozen=True)
class Evaluation:
    challenger: Optional[Scored]
    groups: Optional[dict[str, Any]]


def evaluate_challenger(settings: Settings, summary: Mapping[str, Any]) -> Evaluation:
    """Scores this run's model on its evaluation rows; nothing when the gate stopped the run (no test stage)."""
    if not summary["gate_passed"]:
        return Evaluation(None, None)
    manifest = stages.read_manifest(settings)
    scored, attributes = score_model(settings.paths.model_file, settings, manifest.get("run_id"))
    return Evaluation(scored, fairness.fairness_figures(scored.labels, scored.predictions, attributes))


def report_unrecorded(settings: Settings, summary: Mapping[str, Any]) -> dict[str, Any]:
    """No registry here: the figures, the report and the verdict, with no champion to compare against and nothing recorded."""
    run = evaluate_challenger(settings, summary)
    line = verdict_line(summary, "not recorded", NO_REGISTRY_REASON)
    html = render_report(report.ReportInput(
        title=f"adult-mlops model ({summary['model']}), not recorded", verdict=line,
        facts={"model": summary["model"], "threshold": summary["threshold"], "split": summary["split"], "seed": summary["seed"],
               "rows": summary["rows"], "data": summary["data"], "model registry": "none on this build host"},
        challenger=run.challenger, champion=None, champion_label="", diff=None, groups=run.groups,
    ))
    if html is not None:
        artifacts.write_text(results.report_file(settings.paths), html)
    print(line)
    return {
        "promoted": False,
        "champion": None,
        "delta_vs_champion": None,
        "registry": {"version": None, "verdict": "not recorded", "reason": NO_REGISTRY_REASON, "report": None},
        "groups": run.groups,
    }


def promote(settings: Settings, promotion: PromotionSettings, summary: Mapping[str, Any]) -> dict[str, Any]:
    """Decides and records this run's model; returns the metrics line's promotion fields."""
    root = promotion.registry_dir
    if root is None:
        return report_unrecorded(settings, summary)
    run = evaluate_challenger(settings, summary)
    new = {"validation_acc": summary["validation_acc"], **(evaluation.summary(run.challenger) if run.challenger else {})}
    with registry.locked(root, promotion.lock_timeout_seconds) as lock:
        versions = registry.read_versions(root)
        champion = registry.read_champion(root, versions)
        number = registry.next_number(versions)
        lock.announce(number)  # a run that waits for the lock is told which version holds it
        rescored = rescore_champion(champion, settings) if champion and run.challenger else None
        old = {"validation_acc": champion.metadata["metrics"]["validation_acc"], **(evaluation.summary(rescored) if rescored else {})} if champion else {}
        verdict = decide(summary["gate_passed"], summary["validation_acc"], summary["threshold"], new.get("test_acc"), old.get("test_acc"), promotion.max_regression)
        diff = metrics_diff(old, new) if champion else None
        html = render_report(report.ReportInput(
            title=f"adult-mlops model v{number} ({summary['model']})",
            verdict=verdict_line(summary, recorded_outcome(number, verdict, champion_figures(champion)), verdict.reason),
            facts={"version": number, "model": summary["model"], "threshold": summary["threshold"], "max_regression": promotion.max_regression,
                   "split": summary["split"], "seed": summary["seed"], "rows": summary["rows"], "data": summary["data"],
                   "champion before this run": f"v{champion.number}" if champion else "none"},
            challenger=run.challenger, champion=rescored, champion_label=f"champion v{champion.number}" if champion else "",
            diff=diff, groups=run.groups,
        ))
        metadata = {
            "version": number, "created": utc_now(), "verdict": "promoted" if verdict.promoted else "rejected", "reason": verdict.reason,
            "model": summary["model"], "threshold": summary["threshold"], "max_regression": promotion.max_regression,
            "seed": summary["seed"], "split": summary["split"], "data": summary["data"], "rows": summary["rows"],
            "metrics": new, "groups": run.groups, "compared_with": champion.number if champion else None,
            "source_sha256": source_sha256(),
        }
        files = {registry.MODEL_FILE: lambda path: shutil.copyfile(settings.paths.model_file, path)}
        if html is not None:
            files[registry.REPORT_FILE] = lambda path: artifacts.write_text(path, html)
        registry.add_version(root, number, metadata, files)
        if verdict.promoted:
            registry.set_champion(root, number)
    if html is not None:
        artifacts.write_text(results.report_file(settings.paths), html)
    current = {"version": number, "validation_acc": new["validation_acc"], "test_acc": new.get("test_acc")} if verdict.promoted else champion_figures(champion)
    print(verdict_line(summary, recorded_outcome(number, verdict, champion_figures(champion)), verdict.reason))
    return {
        "promoted": verdict.promoted,
        "champion": current,
        "delta_vs_champion": diff,
        "registry": {"version": number, "verdict": metadata["verdict"], "reason": verdict.reason,
                     "report": registry.report_path(number) if html is not None else None},
        "groups": run.groups,
    }


def write_metrics(settings: Settings, summary: Mapping[str, Any]) -> None:
    artifacts.write_json(results.metrics_file(settings.paths), dict(summary))


def promote_main(env: Mapping[str, str]) -> int:
    """promote.py: the stage scripts' run (Jenkins) ends here; stage timings were not measured, so `seconds` holds nulls."""
    with stages.running("promote", env) as settings:
        promotion = load_promotion_settings(env)
        manifest = stages.read_manifest(settings)
        gate = stages.gate(settings)
        test_acc = artifacts.read_fraction(settings.paths.test_metadata, "test_acc", "test.py") if gate.passed else None
        summary: dict[str, Any] = {
            "validation_acc": gate.validation_acc, "test_acc": test_acc, "gate_passed": gate.passed, "threshold": settings.threshold,
            "model": settings.model, "seed": settings.seed, "split": settings.split, "data": manifest.get("data"), "rows": manifest.get("rows"),
            "seconds": {"preprocessing": None, "train": None, "test": None, "total": None},
        }
        summary.update(promote(settings, promotion, summary))
        write_metrics(settings, summary)
        print(json.dumps(summary, separators=(", ", ": ")))
    return EXIT_OK

