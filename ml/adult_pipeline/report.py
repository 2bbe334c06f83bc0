"""The run's report: one self-contained HTML file (figures embedded as data: URIs, no external resource).

Figures: confusion matrix, ROC and precision-recall curves with their AUC (the champion's curve on the
same rows beside the challenger's), a calibration plot and the per-group rates. Tables: the verdict,
the metrics against the champion (metrics diff) and the per-group figures for sex and race.
"""

import base64
import functools
import html
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Optional

from . import evaluation
from .evaluation import Scored

# matplotlib is imported when a figure is drawn, not with the package: a run that stops on bad input
# never loads it or writes its font cache (under $HOME, the run's /work).
Figure = Any

FIGURE_SIZE = (5.2, 3.9)
DPI = 80


@dataclass(frozen=True)
class ReportInput:
    title: str
    verdict: str
    facts: Mapping[str, Any]
    challenger: Optional[Scored]
    champion: Optional[Scored]
    champion_label: str
    diff: Optional[Mapping[str, Mapping[str, Optional[float]]]]
    groups: Optional[Mapping[str, Any]]


@functools.lru_cache(maxsize=1)
def pyplot() -> ModuleType:
    import matplotlib

    matplotlib.use("Agg")  # no display: render to PNG only
    import matplotlib.pyplot

    return matplotlib.pyplot


def png_data_uri(draw: Callable[[Figure], None]) -> str:
    plt = pyplot()
    figure = plt.figure(figsize=FIGURE_SIZE, dpi=DPI)
    try:
        draw(figure)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    finally:
        plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def draw_confusion(scored: Scored) -> Callable[[Figure], None]:
    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        matrix = evaluation.confusion(scored)
        axes.imshow(matrix, cmap="Blues")
        for (row, column), count in zip(((0, 0), (0, 1), (1, 0), (1, 1)), matrix.ravel()):
            axes.text(column, row, str(count), ha="center", va="center", color="black", fontsize=12)
        axes.set_xticks([0, 1], ["<=50K", ">50K"])
        axes.set_yticks([0, 1], ["<=50K", ">50K"])
        axes.set_xlabel("predicted")
        axes.set_ylabel("actual")
        axes.set_title("Confusion matrix")
    return draw


def draw_curves(challenger: Scored, champion: Optional[Scored], champion_label: str, kind: str) -> Callable[[Figure], None]:
    curve = evaluation.roc if kind == "roc" else evaluation.precision_recall

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
        predicted, observed = evaluation.calibration(scored)
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
            for name, group in figures["groups"].items():
                labels.append(f"{attribute}: {name}")
                rows.append([group[key] or 0.0 for key in ("selection_rate", "tpr", "fpr")])
        positions = range(len(labels))
        for offset, (index, key) in zip((-0.27, 0.0, 0.27), enumerate(("selection rate", "TPR", "FPR"))):
            axes.barh([p + offset for p in positions], [row[index] for row in rows], height=0.27, label=key)
        axes.set_yticks(list(positions), labels, fontsize=7)
        axes.invert_yaxis()
        axes.set(xlabel="rate", title="Per-group rates")
        axes.legend(fontsize=7)
    return draw


def figures_of(report: ReportInput) -> list[tuple[str, str]]:
    """(caption, data URI) of each figure; none when the test stage did not run."""
    if report.challenger is None:
        return []
    figures = [
        ("Confusion matrix at the 0.5 cut-off", draw_confusion(report.challenger)),
        ("ROC curve", draw_curves(report.challenger, report.champion, report.champion_label, "roc")),
        ("Precision-recall curve", draw_curves(report.challenger, report.champion, report.champion_label, "pr")),
        ("Calibration (reliability diagram)", draw_calibration(report.challenger)),
    ]
    if report.groups:
        figures.append(("Selection rate, true-positive and false-positive rate per group", draw_group_rates(report.groups)))
    return [(caption, png_data_uri(draw)) for caption, draw in figures]


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


def diff_table(diff: Optional[Mapping[str, Mapping[str, Optional[float]]]]) -> str:
    if not diff:
        return "<p>No champion to compare with: this is the registry's first model.</p>"
    rows = [
        [html.escape(name), number(values["old"]), number(values["new"]), number(values["diff"], signed=True)]
        for name, values in diff.items()
    ]
    return table(["metric", "champion", "this run", "change"], rows)


def group_tables(groups: Optional[Mapping[str, Any]]) -> str:
    if not groups:
        return "<p>Not computed: the test stage did not run.</p>"
    parts = []
    for attribute, figures in groups.items():
        rows = [
            [html.escape(name), str(group["size"]), number(group["accuracy"]), number(group["selection_rate"]), number(group["tpr"]), number(group["fpr"])]
            for name, group in figures["groups"].items()
        ]
        parts.append(
            f"<h3>{html.escape(attribute)}</h3>"
            + table(["group", "size", "accuracy", "selection rate", "TPR", "FPR"], rows)
            + f"<p>demographic-parity difference {number(figures['demographic_parity_difference'])}, "
            f"equalized-odds difference {number(figures['equalized_odds_difference'])}</p>"
        )
    return "".join(parts)


STYLE = """
body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1100px}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.4em}h3{font-size:1em}
.verdict{padding:.6em 1em;border-radius:4px;background:#eef}
table{border-collapse:collapse;margin:.4em 0}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}
.figures{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}figcaption{font-size:.85em;color:#555}
"""


def render(report: ReportInput) -> str:
    """The whole HTML document."""
    facts = table(["", ""], [[html.escape(key), html.escape(str(value))] for key, value in report.facts.items()])
    figures = "".join(
        f'<figure><img src="{uri}" alt="{html.escape(caption)}"><figcaption>{html.escape(caption)}</figcaption></figure>'
        for caption, uri in figures_of(report)
    )
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(report.title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(report.title)}</h1><p class=\"verdict\">{html.escape(report.verdict)}</p>"
        f"<h2>Run</h2>{facts}"
        f"<h2>Metrics against the champion (same evaluation rows)</h2>{diff_table(report.diff)}"
        f"<h2>Figures</h2><div class=\"figures\">{figures or '<p>None: the test stage did not run.</p>'}</div>"
        f"<h2>Per-group figures</h2>{group_tables(report.groups)}"
        "</body></html>\n"
    )
