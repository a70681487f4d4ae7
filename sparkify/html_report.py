"""``result_check.py --report``: one self-contained HTML file with the counts, the checks and charts.

Charts are drawn with matplotlib's Agg renderer (no display, no pyplot state) and embedded as base64 PNG,
so the file opens anywhere with no network.  Every value that comes from the data is HTML-escaped, and
a Content-Security-Policy lets the page load nothing from outside and run only its own script.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import html
import io
import logging
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sparkify.checks import Findings, ResultTable, format_number

WEEKDAY_NAMES = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")  # time.weekday: 0 = Sunday
BLUE, ORANGE, GREEN, GREY = "#3b6ea5", "#e8963a", "#4a9d6f", "#6b7280"
CHART_SIZE = (6.0, 3.3)  # inches; at 96 CSS pixels an inch this fills one column of the report
RANKING_SIZE = (6.0, 4.2)
CSS_DPI = 96
PNG_DPI = 2 * CSS_DPI  # sharp on high-resolution screens too
LABEL_LIMIT = 40
# Titles are data, not markup: "$5 & $10" must not turn into mathtext.
_RC = {
    "text.parse_math": False,
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
}

# matplotlib's INFO messages (font cache, unit guesses) are not the user's business.
logging.getLogger("matplotlib").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Chart:
    """One rendered chart: its id, its title, a sentence saying what it shows, and its PNG bytes."""

    key: str
    title: str
    alt: str
    png: bytes
    width_px: int
    height_px: int

    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def write_report(findings: Findings, path: str | Path) -> Path:
    """Draw the charts and write the HTML report to ``path``; return the path written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    generated_at = datetime.datetime.now(datetime.timezone.utc)
    target.write_text(render_html(findings, build_charts(findings), generated_at=generated_at), "utf-8")
    return target


def build_charts(findings: Findings) -> list[Chart]:
    """The six charts, in the order the report shows them."""
    charts = findings.charts
    with matplotlib.rc_context(_RC), warnings.catch_warnings():
        # A title in a script the installed fonts lack still gets its bar; the table shows its text.
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        return [
            _hour_chart(charts["plays_by_hour"]),
            _weekday_chart(charts["plays_by_weekday"]),
            # Titles only: with the artist too the labels would crowd out the bars; the table has both.
            _ranking_chart("top_songs", "Top songs", charts["top_songs"], ("song",)),
            _ranking_chart("top_artists", "Top artists", charts["top_artists"], ("artist",)),
            _level_chart(charts["plays_by_level_per_day"]),
            _new_users_chart(charts["new_users_per_day"]),
        ]


# --------------------------------------------------------------------------------------------- charts


def _figure(size: tuple[float, float] = CHART_SIZE) -> tuple[Figure, Axes]:
    figure = Figure(figsize=size, dpi=PNG_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_axisbelow(True)
    # Every chart counts plays or users: ticks at whole numbers only.
    axes.xaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 5, 10], integer=True))
    axes.yaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 5, 10], integer=True))
    return figure, axes


def _finish(key: str, title: str, alt: str, figure: Figure) -> Chart:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=PNG_DPI, facecolor="white")
    width, height = (round(inches * CSS_DPI) for inches in figure.get_size_inches())
    return Chart(key, title, alt, buffer.getvalue(), width, height)


def _no_data(axes: Axes) -> None:
    axes.text(0.5, 0.5, "no plays yet", ha="center", va="center", color=GREY, transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])


def _bars(axes: Axes, labels: Sequence[Any], values: Sequence[int], colour: str, **bar_options: Any) -> None:
    axes.bar(labels, values, color=colour, **bar_options)
    axes.grid(axis="y", color="#e5e7eb")
    axes.set_ylabel("plays")


def _hour_chart(table: ResultTable) -> Chart:
    by_hour = {int(hour): plays for hour, plays in table.rows if hour is not None}
    figure, axes = _figure()
    axes.set_title("Plays by hour of day (UTC)")
    if by_hour:
        _bars(axes, list(range(24)), [by_hour.get(hour, 0) for hour in range(24)], BLUE)
        axes.set_xticks(range(0, 24, 2))
        axes.set_xlabel("hour")
        busiest = max(by_hour, key=lambda hour: by_hour[hour])
        alt = f"Plays in each hour of the day; the busiest hour starts at {busiest}:00 UTC."
    else:
        _no_data(axes)
        alt = "No plays yet."
    return _finish("plays_by_hour", "Plays by hour of day", alt, figure)


def _weekday_chart(table: ResultTable) -> Chart:
    by_day = {int(day): plays for day, plays in table.rows if day is not None and 0 <= day <= 6}
    figure, axes = _figure()
    axes.set_title("Plays by weekday")
    if by_day:
        # Positions, not names: matplotlib would take "Sun" and "Mon" for dates.
        _bars(axes, list(range(7)), [by_day.get(day, 0) for day in range(7)], BLUE)
        axes.set_xticks(range(7), WEEKDAY_NAMES)
        busiest = WEEKDAY_NAMES[max(by_day, key=lambda day: by_day[day])]
        alt = f"Plays on each weekday, Sunday first; the busiest is {busiest}."
    else:
        _no_data(axes)
        alt = "No plays yet."
    return _finish("plays_by_weekday", "Plays by weekday", alt, figure)


def _ranking_chart(key: str, title: str, table: ResultTable, label_columns: Sequence[str]) -> Chart:
    rows = table.records()
    labels = [" — ".join(_chart_label(row[column]) for column in label_columns) for row in rows]
    plays = [row["plays"] for row in rows]
    figure, axes = _figure(RANKING_SIZE)
    axes.set_title(title)
    if rows:
        bars = axes.barh(range(len(rows)), plays, color=BLUE if key == "top_songs" else GREEN)
        axes.set_yticks(range(len(rows)), labels)
        axes.invert_yaxis()  # the most played on top
        axes.bar_label(bars, padding=3, fontsize=8)
        axes.grid(axis="x", color="#e5e7eb")
        axes.set_xlabel("plays")
        alt = f"The {len(rows)} most played, counting plays matched to a song file; in full below."
    else:
        _no_data(axes)
        alt = "No play matched a song yet."
    return _finish(key, title, alt, figure)


def _level_chart(table: ResultTable) -> Chart:
    days = [row[0] for row in table.rows]
    free = [int(row[1] or 0) for row in table.rows]
    paid = [int(row[2] or 0) for row in table.rows]
    figure, axes = _figure()
    axes.set_title("Free vs paid plays per day")
    if days:
        _bars(axes, days, free, ORANGE, label="free", width=0.8)
        axes.bar(days, paid, bottom=free, color=BLUE, label="paid", width=0.8)
        # Above the plot area, right of the title, where it cannot cover a bar.
        axes.legend(frameon=False, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, borderaxespad=0)
        _date_axis(axes)
        alt = f"Plays by free and by paid users on each of {len(days)} days (UTC)."
    else:
        _no_data(axes)
        alt = "No plays yet."
    return _finish("plays_by_level_per_day", "Free vs paid plays per day", alt, figure)


def _new_users_chart(table: ResultTable) -> Chart:
    days = [row[0] for row in table.rows]
    figure, axes = _figure()
    axes.set_title("New users per day")
    if days:
        _bars(axes, days, [int(row[1]) for row in table.rows], GREEN, width=0.8)
        axes.set_ylabel("new users")
        _date_axis(axes)
        alt = (
            f"Users whose first play was on that day (UTC): {sum(int(row[1]) for row in table.rows)} in all."
        )
    else:
        _no_data(axes)
        alt = "No plays yet."
    return _finish("new_users_per_day", "New users per day", alt, figure)


def _date_axis(axes: Axes) -> None:
    locator = mdates.AutoDateLocator(maxticks=10)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _chart_label(value: Any) -> str:
    """A value fit for an axis label: control characters as spaces, long text shortened."""
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", "" if value is None else str(value)).strip()
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"


# ----------------------------------------------------------------------------------------------- HTML

# Sets data-images-loaded="<loaded>/<all>" and data-page-errors on <body> once the page has loaded, so
# a headless browser (and anyone curious) can tell that every chart decoded and nothing went wrong.
_SCRIPT = """
(function () {
  var errors = 0;
  window.addEventListener("error", function () { errors += 1; }, true);
  window.addEventListener("load", function () {
    var images = Array.prototype.slice.call(document.images);
    var loaded = images.filter(function (image) { return image.complete && image.naturalWidth > 0; });
    document.body.setAttribute("data-images-loaded", loaded.length + "/" + images.length);
    document.body.setAttribute("data-page-errors", String(errors));
  });
})();
"""

_STYLE = """
:root { color-scheme: light; --pass: #1a7f37; --fail: #cf222e; --line: #e5e7eb; --muted: #6b7280; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 24px; color: #1f2328; background: #fafafa;
       font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
h1 { margin: 0 0 4px; font-size: 24px; } h2 { margin: 32px 0 12px; font-size: 18px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.banner { padding: 12px 16px; border-radius: 8px; font-weight: 600; color: #fff; }
.banner.pass { background: var(--pass); } .banner.fail { background: var(--fail); }
ul.failures { margin: 8px 0 0; padding: 8px 16px 8px 32px; background: #fff5f5; border: 1px solid #f5c2c7;
              border-radius: 8px; color: var(--fail); }
table { border-collapse: collapse; background: #fff; border: 1px solid var(--line); width: 100%; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.counts { width: auto; min-width: 320px; }
.verdict { display: inline-block; min-width: 44px; text-align: center; border-radius: 4px;
           font-weight: 700; font-size: 12px; color: #fff; padding: 1px 6px; }
.verdict.pass { background: var(--pass); } .verdict.fail { background: var(--fail); }
tr.fail td { background: #fff5f5; }
details summary { cursor: pointer; color: var(--muted); }
pre { margin: 4px 0 0; white-space: pre-wrap; font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
figure { margin: 0; padding: 12px; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { margin-top: 6px; color: var(--muted); }
figure table { margin-top: 8px; font-size: 13px; }
"""


def render_html(findings: Findings, charts: Sequence[Chart], *, generated_at: datetime.datetime) -> str:
    """The whole report as one HTML document."""
    script_hash = base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode("ascii")
    policy = (
        f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'"
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            "<title>Sparkify warehouse report</title>",
            f"<style>{_STYLE}</style>",
            f"<script>{_SCRIPT}</script>",
            "</head>",
            '<body data-images-loaded="pending">',
            _summary_section(findings, generated_at),
            _counts_section(findings),
            _charts_section(findings, charts),
            _checks_section(findings),
            "</body>",
            "</html>",
            "",
        ]
    )


def _escape(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _summary_section(findings: Findings, generated_at: datetime.datetime) -> str:
    failed, total = len(findings.failures), len(findings.checks)
    verdict = f"{failed} of {total} checks failed" if failed else f"All {total} checks passed"
    when = generated_at.strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<header>\n<h1>Sparkify warehouse report</h1>\n"
        f'<p class="meta">{_escape(findings.warehouse)} · generated {_escape(when)}</p>\n'
        f'<div class="banner {"fail" if failed else "pass"}" id="verdict">{_escape(verdict)}</div>\n'
        f"{_failures_list(findings)}</header>"
    )


def _failures_list(findings: Findings) -> str:
    """The failed checks right under the verdict, so nobody has to hunt for them in the full table."""
    if not findings.failures:
        return ""
    items = "\n".join(f"<li>{_escape(result.describe())}</li>" for result in findings.failures)
    return f'<ul class="failures">\n{items}\n</ul>\n'


def _counts_section(findings: Findings) -> str:
    rows = [(table, format_number(rows)) for table, rows in findings.counts.items()]
    return (
        '<section id="counts">\n<h2>Row counts</h2>\n'
        + _table(["table", "rows"], rows, numeric={1}, css_class="counts")
        + "\n</section>"
    )


def _checks_section(findings: Findings) -> str:
    lines = [
        '<section id="checks">',
        "<h2>Data-quality checks</h2>",
        "<table><thead><tr><th>check</th><th>measures</th><th class='num'>expected</th>"
        "<th class='num'>actual</th><th>result</th><th>SQL</th></tr></thead><tbody>",
    ]
    for result in findings.checks:
        verdict = "pass" if result.passed else "fail"
        lines.append(
            f'<tr class="{verdict}"><td>{_escape(result.name)}</td><td>{_escape(result.check.measure)}</td>'
            f'<td class="num">{_escape(result.check.expected)}</td>'
            f'<td class="num">{_escape(format_number(result.actual))}</td>'
            f'<td><span class="verdict {verdict}">{verdict.upper()}</span></td>'
            f"<td><details><summary>SQL</summary><pre>{_escape(result.check.sql.strip())}</pre></details></td>"
            "</tr>"
        )
    lines += ["</tbody></table>", "</section>"]
    return "\n".join(lines)


def _charts_section(findings: Findings, charts: Sequence[Chart]) -> str:
    lines = ['<section id="charts">', "<h2>Plays</h2>", '<div class="charts">']
    for chart in charts:
        lines += [
            f'<figure class="chart" id="chart-{chart.key}" title="{_escape(chart.title)}">',
            f'<img src="{chart.data_uri()}" alt="{_escape(chart.alt)}" '
            f'width="{chart.width_px}" height="{chart.height_px}">',
            f"<figcaption>{_escape(chart.alt)}</figcaption>",
        ]
        if chart.key in ("top_songs", "top_artists"):
            table = findings.charts[chart.key]
            numeric = {index for index, name in enumerate(table.headers) if name == "plays"}
            lines.append(_table(table.headers, table.rows, numeric=numeric))
        lines.append("</figure>")
    lines += ["</div>", "</section>"]
    return "\n".join(lines)


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, numeric: set[int], css_class: str = ""
) -> str:
    def cell(tag: str, index: int, value: Any) -> str:
        align = ' class="num"' if index in numeric else ""
        shown = format_number(value) if isinstance(value, int) and not isinstance(value, bool) else value
        return f"<{tag}{align}>{_escape(shown)}</{tag}>"

    head = "".join(cell("th", index, name) for index, name in enumerate(headers))
    body = "\n".join(
        "<tr>" + "".join(cell("td", index, value) for index, value in enumerate(row)) + "</tr>"
        for row in rows
    )
    opening = f'<table class="{css_class}">' if css_class else "<table>"
    return f"{opening}<thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"
