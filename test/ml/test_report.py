"""The report and the per-group figures it shows: every file of it, no inline resource, values (not
reprs) in its tables, the verdict replaceable, and category values that once stopped or bloated it
(mathtext, a 50,000-character value, 16,281 distinct values)."""

import re
import time

import numpy as np
import pytest

from adult_pipeline.evaluation import fairness, report
from adult_pipeline.evaluation.scores import Scored
from adult_pipeline.promotion.rule import metrics_diff


def scored_rows(count: int, seed: int = 0) -> Scored:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, count)
    return Scored(labels, np.clip(labels * 0.6 + rng.random(count) * 0.5, 0, 1))


def groups_of(scored: Scored, race: np.ndarray) -> dict:
    sex = np.where(np.arange(scored.labels.size) % 3 == 0, "Female", "Male")
    return fairness.fairness_figures(scored.labels, scored.predictions, {"sex": sex, "race": race})


def report_files(scored: Scored, groups: dict, facts: dict | None = None) -> dict[str, bytes]:
    figures = report.draw_figures(scored, scored, "champion v1", groups)
    content = report.ReportInput(
        "t",
        "verdict: x",
        facts or {"version": 2},
        scored,
        scored,
        "champion v1",
        metrics_diff({"test_acc": 0.8}, {"test_acc": 0.9}),
        groups,
    )
    return report.render(content, figures)


# --- the per-group figures ------------------------------------------------------------------------


def test_per_group_figures_and_disparities() -> None:
    labels = np.array([1, 1, 0, 0, 1, 0, 0, 0])
    predictions = np.array([1, 0, 1, 0, 1, 0, 0, 0])
    groups = np.array(["a", "a", "a", "a", "b", "b", "b", "b"], dtype=object)
    figures = fairness.attribute_figures(labels, predictions, groups)
    assert figures["groups"]["a"] == {
        "size": 4,
        "positives": 2,
        "accuracy": 0.5,
        "selection_rate": 0.5,
        "tpr": 0.5,
        "fpr": 0.5,
    }
    assert figures["groups"]["b"] == {
        "size": 4,
        "positives": 1,
        "accuracy": 1.0,
        "selection_rate": 0.25,
        "tpr": 1.0,
        "fpr": 0.0,
    }
    assert figures["demographic_parity_difference"] == 0.25
    assert figures["equalized_odds_difference"] == 0.5
    no_positives = fairness.attribute_figures(np.array([0, 0]), np.array([0, 1]), np.array(["c", "c"], dtype=object))[
        "groups"
    ]["c"]
    assert no_positives["tpr"] is None and no_positives["fpr"] == 0.5


def test_per_group_figures_are_each_groups_own_rows() -> None:
    """The one-sort computation gives what a mask per group gives (the definition), in name order."""
    scored = scored_rows(3000)
    race = np.random.default_rng(1).choice(["b", "a", "c", "$x$", "d" * 100], 3000)
    by_group = groups_of(scored, race)["race"]["groups"]
    assert list(by_group) == sorted(set(race.tolist()))
    for name, figures in by_group.items():
        labels, predictions = scored.labels[race == name], scored.predictions[race == name]
        assert figures == {
            "size": labels.size,
            "positives": int((labels == 1).sum()),
            "accuracy": float((predictions == labels).mean()),
            "selection_rate": float((predictions == 1).mean()),
            "tpr": float((predictions[labels == 1] == 1).mean()),
            "fpr": float((predictions[labels == 0] == 1).mean()),
        }, name


def test_drawn_groups_keeps_the_largest_and_adds_up_the_rest_from_counts() -> None:
    labels = np.array([1] * 10 + [0] * 10 + [1, 0, 0, 0] + [1, 1, 1, 0])
    predictions = np.array([1] * 5 + [0] * 5 + [0] * 10 + [1, 1, 0, 0] + [1, 0, 0, 1])
    groups = np.array(["big"] * 20 + ["small"] * 4 + ["tiny"] * 4, dtype=object)
    by_group = fairness.attribute_figures(labels, predictions, groups)["groups"]
    assert fairness.drawn_groups(by_group, 3) == list(by_group.items())
    drawn = fairness.drawn_groups(by_group, 2)
    assert [name for name, _ in drawn] == ["big", "other (2 groups)"]
    # small: 1 of 1 positive found, 1 of 3 negatives flagged; tiny: 1 of 3 and 1 of 1. Together 2 of 4 and 2 of 4,
    # where the mean of the two groups' rates would be (1 + 1/3) / 2.
    assert drawn[1][1] == {"size": 8, "positives": 4, "accuracy": 0.5, "selection_rate": 0.5, "tpr": 0.5, "fpr": 0.5}


# --- the report's files -----------------------------------------------------------------------------


def test_report_is_a_page_its_stylesheet_and_its_figures_with_nothing_inline() -> None:
    scored = scored_rows(400)
    files = report_files(scored, groups_of(scored, np.where(np.arange(400) % 2 == 0, "White", "Black")))
    page = files["report.html"].decode()
    sources = re.findall(r'<img src="([^"]*)"', page)
    assert len(sources) == 5 and set(sources) == set(files) - {"report.html", "report.css"}
    assert set(files) == set(report.FILE_NAMES) and all(report.is_report_file(name) for name in report.FILE_NAMES)
    assert all(files[source].startswith(b"\x89PNG\r\n\x1a\n") for source in sources)
    assert '<link rel="stylesheet" href="report.css">' in page and b"figcaption" in files["report.css"]
    assert not re.search(r"<style|\sstyle=|data:|https?://", page, re.IGNORECASE)
    assert "demographic-parity difference" in page and "Female" in page and "+0.1000" in page


def test_without_the_test_stage_there_are_no_figures() -> None:
    figures = report.draw_figures(None, None, "", None)
    assert figures == report.Figures({}, ())
    files = report.render(report.ReportInput("t", "verdict: gate failed", {}, None, None, "", None, None), figures)
    assert set(files) == {"report.html", "report.css"} and "<img" not in files["report.html"].decode()


def test_run_table_shows_values_not_reprs() -> None:
    scored = scored_rows(200)
    facts = {
        "version": 3,
        "rows": {"raw": 48842, "clean": 45222},
        "data": {"raw_file": "/data/adult.csv", "test_file": None},
        "champion before this run": "none",
        "labels": ["a", "b"],
    }
    page = report_files(scored, groups_of(scored, np.full(200, "White")), facts)["report.html"].decode()
    run = page[page.index("<h2>Run</h2>") : page.index("<h2>Metrics")]
    assert not re.search(r"[{}\[\]]|'|&#x27;|None", run), run
    assert "<th>raw</th><td>48842</td>" in run and "<th>test_file</th><td>–</td>" in run and "a, b" in run


@pytest.mark.parametrize(
    "value",
    [r"$\frac{$", "x" * 50_000, "a$b$c\\d_{e}^f", "line\nbreaks\t\x0b" * 20, "<script>&amp;"],
    ids=["mathtext", "50000-characters", "tex-like", "white-space", "markup"],
)
def test_no_category_value_stops_the_report(value: str) -> None:
    scored = scored_rows(400)
    files = report_files(scored, groups_of(scored, np.where(np.arange(400) % 2 == 0, "White", value)))
    page = files["report.html"].decode()
    assert len(files) == 7 and page.count("<img") == 5
    assert html_escaped(report.shortened(value)) in page and len(page) < 20_000
    assert "<script>" not in page


def html_escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_labels_are_one_line_and_short() -> None:
    assert report.shortened("White") == "White"
    assert report.shortened("a\n b") == "a b"
    assert report.shortened("x" * 50_000) == "x" * 39 + "…"


def test_sixteen_thousand_distinct_values_stay_a_small_report() -> None:
    scored = scored_rows(16_281)
    race = np.array([f"race-{row}" for row in range(16_281)], dtype=object)
    started = time.perf_counter()
    groups = groups_of(scored, race)
    grouped = time.perf_counter()
    files = report_files(scored, groups)
    finished = time.perf_counter()
    print(
        f"16281 distinct values: per-group figures {grouped - started:.2f} s, figures and page {finished - grouped:.2f} s"
    )
    assert len(groups["race"]["groups"]) == 16_281
    page = files["report.html"].decode()
    assert "other (16262 groups)" in page and "16281 groups" in page and len(page) < 20_000


def test_verdict_is_replaced_and_escaped() -> None:
    page = report.render(
        report.ReportInput("t", "verdict: pending", {}, None, None, "", None, None), report.Figures({}, ())
    )["report.html"].decode()
    replaced = report.replace_verdict(page, "verdict: aborted <b>&</b>")
    assert "pending" not in replaced and "verdict: aborted &lt;b&gt;&amp;&lt;/b&gt;" in replaced
    assert replaced.replace("verdict: aborted &lt;b&gt;&amp;&lt;/b&gt;", "verdict: pending") == page
    assert report.replace_verdict(replaced, "verdict: pending") == page
    with pytest.raises(ValueError, match="verdict markers"):
        report.replace_verdict("<html></html>", "verdict: aborted")


@pytest.mark.parametrize(
    "name, expected",
    [
        ("report.html", True),
        ("report.css", True),
        ("report-roc.png", True),
        ("report-per-group.png", True),
        ("report.htm", False),
        ("metadata.json", False),
        ("model.joblib", False),
        ("report-../x.png", False),
        ("sub/report.html", False),
        ("report-.png", False),
        ("report-roc.png.tmp", False),
    ],
)
def test_report_files_are_known_by_name(name: str, expected: bool) -> None:
    assert report.is_report_file(name) is expected
