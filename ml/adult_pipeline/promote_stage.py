"""The promotion stage (promote.py, and the end of pipeline.py's gated run): scores this run's model
on its evaluation rows, re-scores the registry's champion on the same rows, decides, records the
version in the registry (promoted or rejected, with the reason) and writes the metrics JSON and the
report next to the other results. The champion is re-scored and the figures drawn before the lock
is taken; deciding and writing the registry happen under it (registry.py: pending, commit, settle)."""

import hashlib
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

from . import artifacts, config, evaluation, fairness, features, model_store, registry, report, results, stages
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


def score(model: object, settings: Settings) -> tuple[Scored, dict[str, Any]]:
    """Scores ``model`` on this run's evaluation rows (the processed test split); also returns the rows' sensitive attributes."""
    frame = features.read_processed(settings.paths.test_csv)
    x, y = features.split_xy(frame)
    with single_threaded_openmp():
        scored = evaluation.score(model, x, y)
    return scored, {name: frame[name].to_numpy() for name in fairness.SENSITIVE_ATTRIBUTES}


def load_champion(champion: registry.Version) -> model_store.StoredModel:
    """The champion's model, loaded only from files whose sha256 matches its metadata (nothing in them runs)."""
    digests = champion.model_digests
    if digests is None:
        raise registry.RegistryError(
            f"champion v{champion.number} was recorded by an older image, without the sha256 of its model files: it is not "
            "loaded (unpickling an unverified file can run code); nothing was written (remove champion.json so that the next "
            "run that passes the gate becomes the champion, or start a new registry)"
        )
    try:
        return model_store.load(champion.folder, digests)
    except InputError as error:
        raise registry.RegistryError(f"champion v{champion.number} cannot be re-scored: {error}; nothing was written") from None


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


def warn_no_report(error: Exception) -> None:
    print(f"warning: the report was not written: {type(error).__name__}: {error}", file=sys.stderr)


def draw(challenger: Optional[Scored], champion: Optional[Scored], champion_label: str, groups: Optional[dict[str, Any]]) -> Optional[report.Figures]:
    """The report's figures (the slow part of the report, drawn outside the lock), or None with a warning."""
    try:
        return report.draw_figures(challenger, champion, champion_label, groups)
    except Exception as error:  # plotting can fail in many ways; the verdict stands without the report
        warn_no_report(error)
        return None


def render_report(content: report.ReportInput, figures: Optional[report.Figures]) -> Optional[dict[str, bytes]]:
    """Every file of the report by name, or None (with a warning when rendering fails): a report never changes the verdict."""
    if figures is None:
        return None
    try:
        return report.render(content, figures)
    except Exception as error:  # a report that fails never changes the verdict
        warn_no_report(error)
        return None


def write_report(settings: Settings, files: Optional[Mapping[str, bytes]]) -> None:
    for name, data in (files or {}).items():
        artifacts.write_bytes(os.path.join(settings.paths.results_dir, name), data)


@dataclass(frozen=True)
class Evaluation:
    model: model_store.StoredModel
    challenger: Optional[Scored]
    groups: Optional[dict[str, Any]]


def evaluate_challenger(settings: Settings, summary: Mapping[str, Any]) -> Evaluation:
    """This run's model, scored on its evaluation rows unless the gate stopped the run (no test stage)."""
    stored = stages.this_runs_model(settings)
    if not summary["gate_passed"]:
        return Evaluation(stored, None, None)
    scored, attributes = score(stored.model, settings)
    return Evaluation(stored, scored, fairness.fairness_figures(scored.labels, scored.predictions, attributes))


def report_unrecorded(settings: Settings, summary: Mapping[str, Any]) -> dict[str, Any]:
    """No registry here: the figures, the report and the verdict, with no champion to compare against and nothing recorded."""
    run = evaluate_challenger(settings, summary)
    line = verdict_line(summary, "not recorded", NO_REGISTRY_REASON)
    files = render_report(report.ReportInput(
        title=f"adult-mlops model ({summary['model']}), not recorded", verdict=line,
        facts={"model": summary["model"], "threshold": summary["threshold"], "split": summary["split"], "seed": summary["seed"],
               "rows": summary["rows"], "data": summary["data"], "model registry": "none on this build host"},
        challenger=run.challenger, champion=None, champion_label="", diff=None, groups=run.groups,
    ), draw(run.challenger, None, "", run.groups))
    write_report(settings, files)
    print(line)
    return {
        "promoted": False,
        "champion": None,
        "delta_vs_champion": None,
        "registry": {"version": None, "verdict": "not recorded", "reason": NO_REGISTRY_REASON, "report": None},
        "groups": run.groups,
    }


@dataclass(frozen=True)
class Comparison:
    """The champion re-scored on this run's rows, and the report's figures drawn with both curves."""

    champion: Optional[registry.Version]
    rescored: Optional[Scored]
    figures: Optional[report.Figures]

    @property
    def champion_number(self) -> Optional[int]:
        return self.champion.number if self.champion else None


def compare(settings: Settings, run: Evaluation, champion: Optional[registry.Version]) -> Comparison:
    rescored = score(load_champion(champion).model, settings)[0] if champion and run.challenger else None
    label = f"champion v{champion.number}" if champion else ""
    return Comparison(champion, rescored, draw(run.challenger, rescored, label, run.groups))


def promote(settings: Settings, promotion: PromotionSettings, summary: Mapping[str, Any]) -> dict[str, Any]:
    """Decides and records this run's model; returns the metrics line's promotion fields. The champion is
    re-scored and the figures drawn before the lock is taken, and again under it only if another run
    promoted a new champion meanwhile."""
    root = promotion.registry_dir
    if root is None:
        return report_unrecorded(settings, summary)
    run = evaluate_challenger(settings, summary)
    new = {"validation_acc": summary["validation_acc"], **(evaluation.summary(run.challenger) if run.challenger else {})}
    comparison = compare(settings, run, registry.peek_champion(root))
    with registry.locked(root, promotion.lock_timeout_seconds) as lock:
        state = registry.settled(root, lock)
        number, champion = state.number, state.champion
        if (champion.number if champion else None) != comparison.champion_number:
            comparison = compare(settings, run, champion)
        rescored = comparison.rescored
        old = {"validation_acc": champion.metadata["metrics"]["validation_acc"], **(evaluation.summary(rescored) if rescored else {})} if champion else {}
        verdict = decide(summary["gate_passed"], summary["validation_acc"], summary["threshold"], new.get("test_acc"), old.get("test_acc"), promotion.max_regression)
        diff = metrics_diff(old, new) if champion else None
        line = verdict_line(summary, recorded_outcome(number, verdict, champion_figures(champion)), verdict.reason)
        report_files = render_report(report.ReportInput(
            title=f"adult-mlops model v{number} ({summary['model']})", verdict=line,
            facts={"version": number, "model": summary["model"], "threshold": summary["threshold"], "max_regression": promotion.max_regression,
                   "split": summary["split"], "seed": summary["seed"], "rows": summary["rows"], "data": summary["data"],
                   "champion before this run": f"v{champion.number}" if champion else "none"},
            challenger=run.challenger, champion=rescored, champion_label=f"champion v{champion.number}" if champion else "",
            diff=diff, groups=run.groups,
        ), comparison.figures)
        metadata = {
            "version": number, "created": registry.utc_now(), "verdict": "promoted" if verdict.promoted else "rejected", "reason": verdict.reason,
            "model": summary["model"], "threshold": summary["threshold"], "max_regression": promotion.max_regression,
            "seed": summary["seed"], "split": summary["split"], "data": summary["data"], "rows": summary["rows"],
            "metrics": new, "groups": run.groups, "compared_with": champion.number if champion else None,
            "source_sha256": source_sha256(), "model_files": run.model.digests,
        }
        files = {name: writer_of(data) for name, data in {**run.model.files, **(report_files or {})}.items()}
        registry.record(root, number, metadata, files)
    write_report(settings, report_files)
    current = {"version": number, "validation_acc": new["validation_acc"], "test_acc": new.get("test_acc")} if verdict.promoted else champion_figures(champion)
    print(line)
    return {
        "promoted": verdict.promoted,
        "champion": current,
        "delta_vs_champion": diff,
        "registry": {"version": number, "verdict": metadata["verdict"], "reason": verdict.reason,
                     "report": registry.report_path(number) if report_files is not None else None},
        "groups": run.groups,
    }


def writer_of(data: bytes) -> Callable[[str], None]:
    return lambda path: artifacts.write_bytes(path, data)


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

