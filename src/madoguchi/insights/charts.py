"""Charts drawn on the server as SVG with pygal (no JavaScript; docs/kpi.md).

Each chart is served as an image (``<img alt=…>``) next to a table with the same numbers, so a
screen reader or a narrow screen gets the data as text. The palette is Okabe–Ito (colour-blind
safe) and every series also differs by its line pattern, so colour is never the only cue.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

import pygal
from pygal.style import Style

# pygal appends a legacy import hook (for its map plugins, unused here) to sys.meta_path; Python
# warns about it on every later import that reaches it (ImportWarning, an error in the tests).
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = (None, "8,4", "2,4", "12,4,2,4")
TARGET_DASH = "4,4"


@dataclass
class Series:
    name: str
    values: list[float | None]
    target: bool = False


def _style() -> Style:
    return Style(
        colors=OKABE_ITO,
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1a1a1a",
        foreground_strong="#1a1a1a",
        foreground_subtle="#555555",
        font_family="sans-serif",
        label_font_size=14,
        major_label_font_size=14,
        legend_font_size=14,
        title_font_size=18,
        value_font_size=12,
    )


def render(
    *,
    title: str,
    description: str,
    x_labels: list[str],
    series: list[Series],
    percent: bool = False,
    bars: bool = False,
) -> bytes:
    """An accessible SVG: ``<title>`` and ``<desc>``, role="img", no script."""
    chart_class = pygal.Bar if bars else pygal.Line
    chart = chart_class(
        js=[],
        style=_style(),
        width=720,
        height=360,
        title=title,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        show_y_guides=True,
        x_label_rotation=0,
        truncate_label=-1,
        print_values=False,
        allow_interruptions=True,
        range=(0, 100) if percent else None,
        include_x_axis=True,
        value_formatter=(lambda v: f"{v:.0f}%") if percent else (lambda v: f"{v:g}"),
    )
    chart.x_labels = x_labels
    for index, item in enumerate(series):
        values = [None if v is None else (v * 100 if percent else v) for v in item.values]
        dash = TARGET_DASH if item.target else DASHES[index % len(DASHES)]
        style: dict[str, int | str] = {"width": 3}
        if dash:
            style["dasharray"] = dash
        if item.target:
            chart.add(item.name, values, stroke_style=style, show_dots=False, fill=False, secondary=False)
        else:
            chart.add(item.name, values, stroke_style=style, dots_size=4)
    svg = chart.render(is_unicode=True)
    svg = re.sub(r"<script\b.*?</script>", "", svg, flags=re.S)
    svg = svg.replace(
        'class="pygal-chart"',
        'class="pygal-chart" role="img" aria-labelledby="chart-title chart-desc"',
        1,
    )
    head_end = svg.index(">", svg.index("<svg")) + 1
    svg = (
        svg[:head_end]
        + f'<title id="chart-title">{_escape(title)}</title><desc id="chart-desc">{_escape(description)}</desc>'
        + svg[head_end:]
    )
    return svg.encode("utf-8")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
