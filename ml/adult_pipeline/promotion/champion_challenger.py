"""Champion and challenger, the promotion that ends pipeline.py's gated run and promote.py: scores
this run's model on its evaluation rows, re-scores the registry's champion on the same rows, decides
(rule.py), records the version in the registry (promoted or rejected, with the reason) and its report,
and summarises the outcome for the metrics line. The champion is re-scored and the figures drawn before
the lock is taken; deciding and recording happen under it (registry.py: pending, commit, settle)."""

import hashlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..contract import ENVIRONMENT
from ..data import features
from ..evaluation import fairness, report, scores
from ..evaluation.scores import Scored
from ..modelling import model_store
from ..modelling.estimators import single_threaded_openmp
from ..process import artifacts, config
from ..process.config import Settings
from ..process.errors import InputError
from ..run import stages
from ..run.metrics_line import PromotionOutcome, RegistryEntry, RunFigures
from . import registry
from .rule import Verdict, decide, metrics_diff

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
CODE_ROOT = PACKAGE_ROOT.parent  # the stage scripts' folder (/app in the image)


# A Jenkins chain on a build host other than the registry's runs its model container with REGISTRY_DIR empty.
NO_REGISTRY_REASON = "no model registry on this build host (it is on pipelineHost's engine): nothing recorded"


# The longest wait for the registry's lock that may be asked for: a day (a longer one is a run that hangs).
MAX_LOCK_TIMEOUT_SECONDS = 86400


@dataclass(frozen=True)
class PromotionSettings:
    """``registry_dir`` None: no registry here; the verdict is reported and nothing is recorded."""

    registry_dir: str | None
    max_regression: float
    lock_timeout_seconds: int = int(ENVIRONMENT["REGISTRY_LOCK_TIMEOUT_SECONDS"][0])


def parse_max_regression(text: str) -> float:
    return config.parse_fraction("MAX_REGRESSION", text, "a fraction in [0, 1] such as 0.005")


def parse_lock_timeout(text: str) -> int:
    return config.parse_positive_integer(
        "REGISTRY_LOCK_TIMEOUT_SECONDS",
        text,
        "a number of seconds, such as 600",
        MAX_LOCK_TIMEOUT_SECONDS,
    )


def load_promotion_settings(env: Mapping[str, str]) -> PromotionSettings:
    registry_dir = env.get("REGISTRY_DIR", ENVIRONMENT["REGISTRY_DIR"][0]).strip()
    return PromotionSettings(
        registry_dir or None,
        parse_max_regression(env.get("MAX_REGRESSION", ENVIRONMENT["MAX_REGRESSION"][0])),
        parse_lock_timeout(env.get("REGISTRY_LOCK_TIMEOUT_SECONDS", ENVIRONMENT["REGISTRY_LOCK_TIMEOUT_SECONDS"][0])),
    )


def source_files(root: Path) -> list[Path]:
    """The code that makes a model: the stage scripts in ``root`` and every module of the package under it."""
    return sorted([*root.glob("*.py"), *(root / "adult_pipeline").rglob("*.py")])


def source_sha256(root: Path = CODE_ROOT) -> str:
    """Content hash of the code that made the model: the stage scripts and the package (names and bytes)."""
    digest = hashlib.sha256()
    for path in source_files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def score(model: object, settings: Settings) -> tuple[Scored, dict[str, Any]]:
    """Scores ``model`` on this run's evaluation rows (the processed test split); also returns the rows' sensitive attributes."""
    frame = features.read_processed(settings.paths.test_csv)
    x, y = features.split_xy(frame)
    with single_threaded_openmp():
        scored = scores.score(model, x, y)
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
        raise registry.RegistryError(
            f"champion v{champion.number} cannot be re-scored: {error}; nothing was written"
        ) from None


def champion_figures(version: registry.Version | None) -> dict[str, Any] | None:
    if version is None:
        return None
    figures = version.metadata["metrics"]
    return {
        "version": version.number,
        "validation_acc": figures.get("validation_acc"),
        "test_acc": figures.get("test_acc"),
    }


def verdict_line(run: RunFigures, outcome: str, reason: str) -> str:
    """One line a person (and Jenkins' description setter) reads: the figures and the verdict."""
    test_acc = "not run" if run.test_acc is None else f"{run.test_acc:.4f}"
    return f"verdict: validation_acc {run.validation_acc:.4f}, test_acc {test_acc}: {outcome} ({reason})"


def recorded_outcome(number: int, verdict: Verdict, champion: Mapping[str, Any] | None) -> str:
    return (
        f"promoted, v{number} is the champion"
        if verdict.promoted
        else f"v{number} rejected, champion stays {'v' + str(champion['version']) if champion else 'none'}"
    )


def verdict_word(verdict: Verdict) -> str:
    return "promoted" if verdict.promoted else "rejected"


def warn_no_report(error: Exception) -> None:
    print(f"warning: the report was not written: {type(error).__name__}: {error}", file=sys.stderr)


def draw(
    challenger: Scored | None, champion: Scored | None, champion_label: str, groups: dict[str, Any] | None
) -> report.Figures | None:
    """The report's figures (the slow part of the report, drawn outside the lock), or None with a warning."""
    try:
        return report.draw_figures(challenger, champion, champion_label, groups)
    except Exception as error:  # plotting can fail in many ways; the verdict stands without the report
        warn_no_report(error)
        return None


def render_report(content: report.ReportInput, figures: report.Figures | None) -> dict[str, bytes] | None:
    """Every file of the report by name, or None (with a warning when rendering fails): a report never changes the verdict."""
    if figures is None:
        return None
    try:
        return report.render(content, figures)
    except Exception as error:  # a report that fails never changes the verdict
        warn_no_report(error)
        return None


def write_report(settings: Settings, files: Mapping[str, bytes] | None) -> None:
    for name, data in (files or {}).items():
        artifacts.write_bytes(os.path.join(settings.paths.results_dir, name), data)


@dataclass(frozen=True)
class Evaluation:
    model: model_store.StoredModel
    challenger: Scored | None
    groups: dict[str, Any] | None


def evaluate_challenger(settings: Settings, run: RunFigures) -> Evaluation:
    """This run's model, scored on its evaluation rows unless the gate stopped the run (no test stage)."""
    stored = stages.this_runs_model(settings)
    if not run.gate_passed:
        return Evaluation(stored, None, None)
    scored, attributes = score(stored.model, settings)
    return Evaluation(stored, scored, fairness.fairness_figures(scored.labels, scored.predictions, attributes))


def report_unrecorded(settings: Settings, run: RunFigures) -> PromotionOutcome:
    """No registry here: the figures, the report and the verdict, with no champion to compare against and nothing recorded."""
    challenger = evaluate_challenger(settings, run)
    line = verdict_line(run, "not recorded", NO_REGISTRY_REASON)
    files = render_report(
        report.ReportInput(
            title=f"adult-mlops model ({run.model}), not recorded",
            verdict=line,
            facts={
                "model": run.model,
                "threshold": run.threshold,
                "split": run.split,
                "seed": run.seed,
                "rows": run.rows,
                "data": run.data,
                "model registry": "none on this build host",
            },
            challenger=challenger.challenger,
            champion=None,
            champion_label="",
            diff=None,
            groups=challenger.groups,
        ),
        draw(challenger.challenger, None, "", challenger.groups),
    )
    write_report(settings, files)
    print(line)
    return PromotionOutcome(
        False, None, None, RegistryEntry(None, "not recorded", NO_REGISTRY_REASON, None), challenger.groups
    )


@dataclass(frozen=True)
class Comparison:
    """The champion re-scored on this run's rows, and the report's figures drawn with both curves."""

    champion: registry.Version | None
    rescored: Scored | None
    figures: report.Figures | None

    @property
    def champion_number(self) -> int | None:
        return self.champion.number if self.champion else None


def compare(settings: Settings, challenger: Evaluation, champion: registry.Version | None) -> Comparison:
    rescored = score(load_champion(champion).model, settings)[0] if champion and challenger.challenger else None
    label = f"champion v{champion.number}" if champion else ""
    return Comparison(champion, rescored, draw(challenger.challenger, rescored, label, challenger.groups))


@dataclass(frozen=True)
class Decision:
    """The verdict on version ``number`` against ``champion`` (the champion when the lock was taken)."""

    number: int
    champion: registry.Version | None
    verdict: Verdict
    new: dict[str, float | None]  # the challenger's figures, as the registry keeps them
    diff: dict[str, dict[str, float | None]] | None
    line: str


def decide_promotion(
    run: RunFigures,
    challenger: Evaluation,
    comparison: Comparison,
    number: int,
    champion: registry.Version | None,
    max_regression: float,
) -> Decision:
    """The promotion rule applied to this run's figures and the champion's, re-scored on the same rows (no I/O)."""
    new = {
        "validation_acc": run.validation_acc,
        **(scores.summary(challenger.challenger) if challenger.challenger else {}),
    }
    rescored = comparison.rescored
    old = (
        {
            "validation_acc": champion.metadata["metrics"]["validation_acc"],
            **(scores.summary(rescored) if rescored else {}),
        }
        if champion
        else {}
    )
    verdict = decide(
        run.gate_passed, run.validation_acc, run.threshold, new.get("test_acc"), old.get("test_acc"), max_regression
    )
    line = verdict_line(run, recorded_outcome(number, verdict, champion_figures(champion)), verdict.reason)
    return Decision(number, champion, verdict, new, metrics_diff(old, new) if champion else None, line)


def record(
    root: str,
    run: RunFigures,
    challenger: Evaluation,
    comparison: Comparison,
    decision: Decision,
    max_regression: float,
) -> dict[str, bytes] | None:
    """Writes the version (model files, metadata, report) into the registry, under its lock; returns the report's files."""
    champion, number = decision.champion, decision.number
    report_files = render_report(
        report.ReportInput(
            title=f"adult-mlops model v{number} ({run.model})",
            verdict=decision.line,
            facts={
                "version": number,
                "model": run.model,
                "threshold": run.threshold,
                "max_regression": max_regression,
                "split": run.split,
                "seed": run.seed,
                "rows": run.rows,
                "data": run.data,
                "champion before this run": f"v{champion.number}" if champion else "none",
            },
            challenger=challenger.challenger,
            champion=comparison.rescored,
            champion_label=f"champion v{champion.number}" if champion else "",
            diff=decision.diff,
            groups=challenger.groups,
        ),
        comparison.figures,
    )
    metadata = {
        "version": number,
        "created": registry.utc_now(),
        "verdict": verdict_word(decision.verdict),
        "reason": decision.verdict.reason,
        "model": run.model,
        "threshold": run.threshold,
        "max_regression": max_regression,
        "seed": run.seed,
        "split": run.split,
        "data": run.data,
        "rows": run.rows,
        "metrics": decision.new,
        "groups": challenger.groups,
        "compared_with": champion.number if champion else None,
        "source_sha256": source_sha256(),
        "model_files": challenger.model.digests,
    }
    files = {name: writer_of(data) for name, data in {**challenger.model.files, **(report_files or {})}.items()}
    registry.record(root, number, metadata, files)
    return report_files


def summarise(decision: Decision, challenger: Evaluation, report_written: bool) -> PromotionOutcome:
    """The metrics line's promotion fields for a recorded version."""
    verdict, number, new = decision.verdict, decision.number, decision.new
    current = (
        {"version": number, "validation_acc": new["validation_acc"], "test_acc": new.get("test_acc")}
        if verdict.promoted
        else champion_figures(decision.champion)
    )
    entry = RegistryEntry(
        number, verdict_word(verdict), verdict.reason, registry.report_path(number) if report_written else None
    )
    return PromotionOutcome(verdict.promoted, current, decision.diff, entry, challenger.groups)


def promote(settings: Settings, promotion: PromotionSettings, run: RunFigures) -> PromotionOutcome:
    """Decides, records and summarises this run's model. The champion is re-scored and the figures drawn before
    the lock is taken, and again under it only if another run promoted a new champion meanwhile."""
    root = promotion.registry_dir
    if root is None:
        return report_unrecorded(settings, run)
    challenger = evaluate_challenger(settings, run)
    comparison = compare(settings, challenger, registry.peek_champion(root))
    with registry.locked(root, promotion.lock_timeout_seconds) as lock:
        state = registry.settled(root, lock)
        if (state.champion.number if state.champion else None) != comparison.champion_number:
            comparison = compare(settings, challenger, state.champion)
        decision = decide_promotion(run, challenger, comparison, state.number, state.champion, promotion.max_regression)
        report_files = record(root, run, challenger, comparison, decision, promotion.max_regression)
    write_report(settings, report_files)
    print(decision.line)
    return summarise(decision, challenger, report_files is not None)


def writer_of(data: bytes) -> Callable[[str], None]:
    return lambda path: artifacts.write_bytes(path, data)
