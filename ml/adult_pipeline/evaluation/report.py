"""The run's report: an HTML page, its stylesheet and one PNG file per figure, side by side
(``report.html``, ``report.css``, ``report-<figure>.png``). Nothing is inline (no data: URI, no style
attribute or element), so every figure shows where the page is served with Jenkins' default
Content-Security-Policy for archived files, ``sandbox; default-src 'none'; img-src 'self'; style-src 'self';``.

Figures: confusion matrix, ROC and precision-recall curves with their AUC (the champion's curve on the
same rows beside the challenger's), a calibration plot and the per-group rates. Tables: the verdict,
the run's settings, the metrics against the champion (metrics diff) and the per-group figures for sex and race.

No data can break or bloat it: category values are drawn as plain text (no TeX, no mathtext),
shortened to ``LABEL_LENGTH`` characters, and each attribute shows at most ``DRAWN_GROUPS`` groups in
its figure and ``TABLE_GROUPS`` in its table, the rest added up into one "other" group (every group
stays in the metrics line). Drawing (``draw_figures``) is the slow part, done before the registry's
lock is taken; ``render`` only writes text.
"""

import functools
import html
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from . import fairness, scores
from .scores import Scored

# matplotlib is imported when a figure is drawn, not with the package: a run that stops on bad input
# never loads it or writes its font cache (under $HOME, the run's /work).
Figure = Any

FIGURE_SIZE = (5.2, 3.9)
DPI = 80
# Every text drawn is taken as it is: a `$` in a category value is a dollar sign, not mathtext.
PLAIN_TEXT = {"text.usetex": False, "text.parse_math": False}
LABEL_LENGTH = 40
DRAWN_GROUPS = 6
TABLE_GROUPS = 20

HTML_FILE = "report.html"
CSS_FILE = "report.css"
REPORT_FILE_PATTERN = re.compile(r"report\.html|report\.css|report-[a-z0-9-]+\.png")


def figure_file(slug: str) -> str:
    return f"report-{slug}.png"


# Each figure's slug (its file name's) and caption, in display order; "groups" only with per-group figures.
CAPTIONS = {
    "confusion": "Confusion matrix at the 0.5 cut-off",
    "roc": "ROC curve",
    "pr": "Precision-recall curve",
    "calibration": "Calibration (reliability diagram)",
    "groups": "Selection rate, true-positive and false-positive rate per group",
}
# Every file a report can have (the page, its stylesheet, each figure): what a run replaces in RESULTS_DIR.
FILE_NAMES: tuple[str, ...] = (HTML_FILE, CSS_FILE, *(figure_file(slug) for slug in CAPTIONS))

VERDICT_START = "<!--verdict-->"
VERDICT_END = "<!--/verdict-->"


@dataclass(frozen=True)
class ReportInput:
    title: str
    verdict: str
    facts: Mapping[str, Any]
    challenger: Scored | None
    champion: Scored | None
    champion_label: str
    diff: Mapping[str, Mapping[str, float | None]] | None
    groups: Mapping[str, Any] | None


@dataclass(frozen=True)
class Figures:
    """``files``: file name (``report-<figure>.png``) -> PNG bytes; ``captions``: (file name, caption) in display order."""

    files: Mapping[str, bytes]
    captions: tuple[tuple[str, str], ...]


def is_report_file(name: str) -> bool:
    """Whether ``name`` (a bare file name) is one of a report's files: the page, its stylesheet, a figure."""
    return REPORT_FILE_PATTERN.fullmatch(name) is not None


def shortened(label: str, length: int = LABEL_LENGTH) -> str:
    """``label`` on one line (any run of white space one space), cut to ``length`` characters with an ellipsis."""
    line = " ".join(label.split())
    return line if len(line) <= length else line[: length - 1] + "…"


@functools.lru_cache(maxsize=1)
def pyplot() -> ModuleType:
    import matplotlib

    matplotlib.use("Agg")  # no display: render to PNG only
    import matplotlib.pyplot

    return matplotlib.pyplot


def png(draw: Callable[[Figure], None]) -> bytes:
    plt = pyplot()
    with plt.rc_context(PLAIN_TEXT):  # text is laid out when the figure is saved: both inside
        figure = plt.figure(figsize=FIGURE_SIZE, dpi=DPI)
        try:
            draw(figure)
            figure.tight_layout()
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
        finally:
            plt.close(figure)
    return buffer.getvalue()


def draw_confusion(scored: Scored) -> Callable[[Figure], None]:
    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        matrix = scores.confusion(scored)
        axes.imshow(matrix, cmap="Blues")
        for (row, column), count in zip(((0, 0), (0, 1), (1, 0), (1, 1)), matrix.ravel(), strict=True):
            axes.text(column, row, str(count), ha="center", va="center", color="black", fontsize=12)
        axes.set_xticks([0, 1], ["<=50K", ">50K"])
        axes.set_yticks([0, 1], ["<=50K", ">50K"])
        axes.set_xlabel("predicted")
        axes.set_ylabel("actual")
        axes.set_title("Confusion matrix")

    return draw


def draw_curves(
    challenger: Scored, champion: Scored | None, champion_label: str, kind: str
) -> Callable[[Figure], None]:
    curve = scores.roc if kind == "roc" else scores.precision_recall

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        for scored, label, style in ((challenger, "this run", "-"), (champion, champion_label, "--")):
            if scored is not None:
                x, y, area = curve(scored)
                axes.plot(x, y, style, label=f"{label} (AUC {area:.3f})")
        if kind == "roc":
            axes.plot([0, 1], [0, 1], ":", color="grey")
            axes.set(xlabel="false-positive rate", ylabel="true-positive rate", title="ROC curve")
        else:
            axes.set(xlabel="recall", ylabel="precision", title="Precision-recall curve")
        axes.legend(loc="lower right" if kind == "roc" else "lower left")

    return draw


def draw_calibration(scored: Scored) -> Callable[[Figure], None]:
    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        predicted, observed = scores.calibration(scored)
        axes.plot([0, 1], [0, 1], ":", color="grey", label="perfectly calibrated")
        axes.plot(predicted, observed, "o-", label="this run")
        axes.set(xlabel="mean predicted probability of >50K", ylabel="observed share of >50K", title="Calibration")
        axes.legend(loc="upper left")

    return draw


def draw_group_rates(groups: Mapping[str, Any]) -> Callable[[Figure], None]:
    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        labels, rows = [], []
        for attribute, figures in groups.items():
            for name, group in fairness.drawn_groups(figures["groups"], DRAWN_GROUPS):
                labels.append(shortened(f"{attribute}: {name}"))
                rows.append([group[key] or 0.0 for key in ("selection_rate", "tpr", "fpr")])
        positions = range(len(labels))
        for offset, (index, key) in zip((-0.27, 0.0, 0.27), enumerate(("selection rate", "TPR", "FPR")), strict=True):
            axes.barh([p + offset for p in positions], [row[index] for row in rows], height=0.27, label=key)
        axes.set_yticks(list(positions), labels, fontsize=7)
        axes.invert_yaxis()
        axes.set(xlabel="rate", title="Per-group rates")
        axes.legend(fontsize=7, loc="lower right")

    return draw


def draw_figures(
    challenger: Scored | None, champion: Scored | None, champion_label: str, groups: Mapping[str, Any] | None
) -> Figures:
    """Every figure of the report, drawn (the slow part: call it outside the registry's lock); none when the
    test stage did not run (no ``challenger``)."""
    if challenger is None:
        return Figures({}, ())
    drawings = {
        "confusion": draw_confusion(challenger),
        "roc": draw_curves(challenger, champion, champion_label, "roc"),
        "pr": draw_curves(challenger, champion, champion_label, "pr"),
        "calibration": draw_calibration(challenger),
        **({"groups": draw_group_rates(groups)} if groups else {}),
    }
    return Figures(
        {figure_file(slug): png(draw) for slug, draw in drawings.items()},
        tuple((figure_file(slug), CAPTIONS[slug]) for slug in drawings),
    )


def number(value: Any, signed: bool = False) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:+.4f}" if signed else f"{value:.4f}"
    return html.escape(str(value))


def table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def value_html(value: Any) -> str:
    """A fact's value as a person reads it: a mapping as a small table of its keys and values, a list as its
    values, None as a dash; never a Python repr."""
    if isinstance(value, Mapping):
        rows = "".join(
            f"<tr><th>{html.escape(str(key))}</th><td>{value_html(item)}</td></tr>" for key, item in value.items()
        )
        return f'<table class="nested"><tbody>{rows}</tbody></table>'
    if isinstance(value, (list, tuple)):
        return ", ".join(value_html(item) for item in value)
    return "–" if value is None else html.escape(str(value))


def facts_table(facts: Mapping[str, Any]) -> str:
    return table(["setting", "value"], [[html.escape(key), value_html(value)] for key, value in facts.items()])


def diff_table(diff: Mapping[str, Mapping[str, float | None]] | None) -> str:
    if not diff:
        return "<p>No champion to compare with: this is the registry's first model.</p>"
    rows = [
        [html.escape(name), number(values["old"]), number(values["new"]), number(values["diff"], signed=True)]
        for name, values in diff.items()
    ]
    return table(["metric", "champion", "this run", "change"], rows)


def group_tables(groups: Mapping[str, Any] | None) -> str:
    if not groups:
        return "<p>Not computed: the test stage did not run.</p>"
    parts = []
    for attribute, figures in groups.items():
        rows = [
            [
                html.escape(shortened(name)),
                str(group["size"]),
                number(group["accuracy"]),
                number(group["selection_rate"]),
                number(group["tpr"]),
                number(group["fpr"]),
            ]
            for name, group in fairness.drawn_groups(figures["groups"], TABLE_GROUPS)
        ]
        parts.append(
            f"<h3>{html.escape(attribute)} ({len(figures['groups'])} groups; every one is in the metrics line)</h3>"
            + table(["group", "size", "accuracy", "selection rate", "TPR", "FPR"], rows)
            + f"<p>demographic-parity difference {number(figures['demographic_parity_difference'])}, "
            f"equalized-odds difference {number(figures['equalized_odds_difference'])}</p>"
        )
    return "".join(parts)


def figures_html(figures: Figures) -> str:
    shown = "".join(
        f'<figure><img src="{html.escape(name)}" alt="{html.escape(caption)}"><figcaption>{html.escape(caption)}</figcaption></figure>'
        for name, caption in figures.captions
    )
    return f'<div class="figures">{shown or "<p>None: the test stage did not run.</p>"}</div>'


def verdict_html(verdict: str) -> str:
    return f'<p class="verdict">{VERDICT_START}{html.escape(verdict)}{VERDICT_END}</p>'


def replace_verdict(document: str, verdict: str) -> str:
    """``document`` (a report.html) with its verdict paragraph's text replaced by ``verdict``. Every other
    text in the page is escaped, so its markers occur once; ValueError if they are missing."""
    head, found, rest = document.partition(VERDICT_START)
    _, closed, tail = rest.partition(VERDICT_END)
    if not found or not closed:
        raise ValueError("not a report page: its verdict markers are missing")
    return head + VERDICT_START + html.escape(verdict) + VERDICT_END + tail


STYLE = """body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1100px}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.4em}h3{font-size:1em}
.verdict{padding:.6em 1em;border-radius:4px;background:#eef}
table{border-collapse:collapse;margin:.4em 0}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right;overflow-wrap:anywhere}
th:first-child,td:first-child{text-align:left}
table.nested{margin:0}table.nested th,table.nested td{border:none;padding:0 .6em 0 0;text-align:left;font-weight:normal}
.figures{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}figcaption{font-size:.85em;color:#555}
"""


def page(content: ReportInput, figures: Figures) -> str:
    """The HTML document; its stylesheet and figures are files beside it."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<title>{html.escape(content.title)}</title><link rel="stylesheet" href="{CSS_FILE}"></head><body>'
        f"<h1>{html.escape(content.title)}</h1>{verdict_html(content.verdict)}"
        f"<h2>Run</h2>{facts_table(content.facts)}"
        f"<h2>Metrics against the champion (same evaluation rows)</h2>{diff_table(content.diff)}"
        f"<h2>Figures</h2>{figures_html(figures)}"
        f"<h2>Per-group figures</h2>{group_tables(content.groups)}"
        "</body></html>\n"
    )


def render(content: ReportInput, figures: Figures) -> dict[str, bytes]:
    """Every file of the report, name -> bytes: report.html, report.css and the figures (cheap: nothing is drawn)."""
    return {HTML_FILE: page(content, figures).encode("utf-8"), CSS_FILE: STYLE.encode("utf-8"), **figures.files}
