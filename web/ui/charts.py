"""Charts drawn on the server as SVG geometry for a template (web/ui/templates/ui/_line_chart.html):
no script, readable printed, and each series told apart by its dash and its marker as well as
its colour."""

from __future__ import annotations

from typing import Any

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 44
#: (colour, dash pattern, marker) of each series in turn.
STYLES = (("#1f5fa8", "", "circle"), ("#2e7d32", "6 3", "square"), ("#b23c17", "2 3", "diamond"))


def _nice_top(value: int) -> int:
    """A round axis top at or above ``value`` (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m >= value:
                return step * m
        step *= 10


def line_chart(months: list[str], series: list[tuple[str, list[int | None]]]) -> dict[str, Any]:
    top = _nice_top(max((v for _, values in series for v in values if v is not None), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(len(months) - 1, 1)

    def x(i: int) -> float:
        return round(LEFT + plot_w * i / n, 1)

    def y(v: float) -> float:
        return round(TOP + plot_h * (1 - v / top), 1)

    lines = []
    for k, (title, values) in enumerate(series):
        colour, dash, marker = STYLES[k % len(STYLES)]
        points = [(x(i), y(v), v, months[i]) for i, v in enumerate(values) if v is not None]
        lines.append({
            "title": title,
            "colour": colour,
            "dash": dash,
            "marker": marker,
            "points": points,
            "path": " ".join(f"{px},{py}" for px, py, _, _ in points),
        })
    ticks = [(y(top * f / 4), _tick(top * f / 4)) for f in range(5)]
    # Every third month counted back from the latest, so the latest is always labelled.
    labels = [(x(i), m) for i, m in enumerate(months) if (len(months) - 1 - i) % 3 == 0]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "ticks": ticks,
        "labels": labels,
        "lines": lines,
    }


def _tick(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


BAR_ROW, BAR_LABEL, BAR_VALUE = 26, 92, 56


def bar_chart(bars: list[tuple[str, float | None]], reference: float | None) -> dict[str, Any]:
    """Horizontal bars, one per region (name, value; none drawn for no value), with a dashed
    line at ``reference`` (the county's figure) labelled in words."""
    top = max([v for _, v in bars if v is not None] + [reference or 0.0, 0.0])
    top = top * 1.1 if top > 0 else 1.0
    plot_w = WIDTH - BAR_LABEL - BAR_VALUE - RIGHT
    height = TOP + BAR_ROW * len(bars) + 28

    def x(v: float) -> float:
        return round(BAR_LABEL + plot_w * v / top, 1)

    rows = []
    for i, (name, value) in enumerate(bars):
        y = TOP + BAR_ROW * i
        rows.append({
            "name": name, "value": value, "y": y, "text_y": y + BAR_ROW / 2 + 4,
            "width": 0 if value is None else max(x(value) - BAR_LABEL, 0),
            "end": BAR_LABEL if value is None else x(value),
        })  # fmt: skip
    return {
        "width": WIDTH,
        "height": height,
        "left": BAR_LABEL,
        "rows": rows,
        "bar": BAR_ROW - 8,
        "reference_x": None if reference is None else x(reference),
        "bottom": TOP + BAR_ROW * len(bars),
    }
