"""Charts as SVG markup, drawn on the server: plain data in, a string of SVG out.

The web pages and the PDF board pack share these charts, so each is self-contained: no script,
no external reference, and no CSS. The pages' Content-Security-Policy (style-src 'self') blocks
a <style> element inside inline SVG, so every colour, border and dash is a presentation
attribute. A rating never relies on colour (DOMAIN.md "Ratings"): each has its own marker shape
and border pattern, its word is printed inside the bar where it fits, and every mark has a
<title> with the rating in words and its dates. The pages put a data table beside the chart
for screen readers; the chart itself is labelled as an image that sums it up.

Imports neither Flask nor SQLAlchemy: plain data from app.domain in, markup out.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape, quoteattr

from app.domain.grid import RatedCell
from app.domain.ratings import is_rating

SVG_NS = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class Look:
    """How one rating is drawn: fill, text colour, border, border dash, marker shape."""

    fill: str
    text: str
    stroke: str
    dash: str | None
    shape: str
    short: str


# The palette of app.css's rating badges. The light fills (Good, Requires improvement) look
# alike in greyscale, hence a solid border for Good, a dashed one for Requires improvement, and
# a different marker for each rating.
LOOKS: dict[str, Look] = {
    "Outstanding": Look("#003d2e", "#ffffff", "#003d2e", None, "star", "O"),
    "Good": Look("#a7d8a0", "#000000", "#212b32", None, "circle", "G"),
    "Requires improvement": Look("#ffc94d", "#000000", "#212b32", "6 3", "triangle", "RI"),
    "Inadequate": Look("#a8160b", "#ffffff", "#212b32", "2 2", "square", "I"),
}
# Inspected but not rated, Insufficient evidence to rate, and the other non-ratings.
NO_RATING = Look("#e8edee", "#212b32", "#768692", "1 3", "ring", "Not rated")
NO_RATING_LABEL = "Not rated or other non-rating"

WIDTH = 760
LEFT = 124  # room for the lane labels
RIGHT = 16
TOP = 12
LANE = 34
BAR = 20
AXIS = 30
LEGEND = 34
FONT = "Frutiger W01, Arial, Helvetica, sans-serif"
CHAR = 6.6  # the average width of a character at 12px, to decide whether a word fits


@dataclass(frozen=True)
class Span:
    """One published value of a lane: shown from `start`, in force until `end`.

    `end` None marks a value that was never in force (a non-rating after a rating, say): it is
    drawn as a marker only. `note` is added to the mark's title (the report it came from).
    """

    rating: str
    start: date
    end: date | None = None
    note: str = ""


@dataclass(frozen=True)
class Lane:
    label: str
    spans: tuple[Span, ...]


def lane_spans(
    history: Sequence[RatedCell], ends_on: date, notes: Mapping[Hashable, str] | None = None
) -> tuple[Span, ...]:
    """A cell's published values as spans, each in force until the value that replaced it.

    DOMAIN.md "The ratings grid": a later non-rating never displaces an earlier rating, so a
    rating lasts until the next rating; a non-rating is in force only while the cell has no
    rating at all (until the next value), and one published after a rating was never in force.
    `notes` gives each report's words for the marks' titles.
    """
    notes = notes or {}
    spans = []
    for index, cell in enumerate(history):
        note = notes.get(cell.report_id, "")
        later = history[index + 1:]
        if is_rating(cell.rating):
            replaced = next((c.published_on for c in later if is_rating(c.rating)), None)
        elif any(is_rating(c.rating) for c in history[:index]):
            spans.append(Span(cell.rating, cell.published_on, None, note))
            continue
        else:
            replaced = later[0].published_on if later else None
        end = min(replaced, ends_on) if replaced else ends_on
        spans.append(Span(cell.rating, cell.published_on, max(end, cell.published_on), note))
    return tuple(spans)


def look(rating: str) -> Look:
    return LOOKS.get(rating, NO_RATING)


def long_date(value: date) -> str:
    """'17 March 2015' (app.presentation has the same for pages; this module stays pure)."""
    return f"{value.day} {value:%B %Y}"


def span_title(lane: str, span: Span) -> str:
    """The words of one mark: key question, rating, the dates it was in force, its report."""
    text = f"{lane}: {span.rating}, published {long_date(span.start)}"
    if span.end is None:
        text += " (never in force: an earlier rating stayed current)"
    elif span.end > span.start:
        text += f", in force until {long_date(span.end)}"
    if span.note:
        text += f" ({span.note})"
    return text


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _attrs(**attributes: object) -> str:
    parts = []
    for name, value in attributes.items():
        if value is None:
            continue
        parts.append(f"{name.rstrip('_').replace('_', '-')}={quoteattr(str(value))}")
    return " ".join(parts)


def _tag(name: str, content: str | None = None, **attributes: object) -> str:
    opening = f"<{name} {_attrs(**attributes)}".rstrip()
    if content is None:
        return opening + "/>"
    return f"{opening}>{content}</{name}>"


def marker(shape: str, x: float, y: float, size: float = 6.0) -> str:
    """A marker centred on (x, y): dark with a white edge, so it reads on every fill."""
    common = {"fill": "#212b32", "stroke": "#ffffff", "stroke_width": 1.5}
    if shape == "star":  # yellow, as the badges' star: it stands out on Outstanding's dark fill
        common = {"fill": "#ffeb3b", "stroke": "#212b32", "stroke_width": 1.2}
    if shape == "circle":
        return _tag("circle", cx=_num(x), cy=_num(y), r=_num(size), **common)
    if shape == "square":
        side = size * 1.7
        return _tag("rect", x=_num(x - side / 2), y=_num(y - side / 2), width=_num(side),
                    height=_num(side), **common)
    if shape == "triangle":
        points = [
            (x, y - size * 1.15), (x + size * 1.1, y + size * 0.85), (x - size * 1.1, y + size * 0.85)
        ]
    elif shape == "star":
        points = []
        for i in range(10):
            radius = size * 1.35 if i % 2 == 0 else size * 0.6
            angle = math.pi / 2 + i * math.pi / 5
            points.append((x + radius * math.cos(angle), y - radius * math.sin(angle)))
    else:  # ring: an open circle for a non-rating
        return _tag("circle", cx=_num(x), cy=_num(y), r=_num(size - 1), fill="#ffffff",
                    stroke="#212b32", stroke_width=2)
    return _tag("polygon", points=" ".join(f"{_num(px)},{_num(py)}" for px, py in points), **common)


def _bounds(lanes: Sequence[Lane], until: date) -> tuple[date, date]:
    starts = [s.start for lane in lanes for s in lane.spans]
    first = min(starts, default=until)
    last = max([until, *starts, *(s.end for lane in lanes for s in lane.spans if s.end)])
    return date(first.year, 1, 1), date(last.year + 1, 1, 1)


def _svg(body: list[str], height: float, id_prefix: str) -> str:
    """A chart's <svg>: the full width, `height` tall, named by its title and description."""
    return _tag(
        "svg",
        "".join(body),
        xmlns=SVG_NS,
        viewBox=f"0 0 {WIDTH} {_num(height)}",
        width=WIDTH,
        height=_num(height),
        role="img",
        aria_labelledby=f"{id_prefix}-title {id_prefix}-desc",
        class_="ql-chart",
        font_family=FONT,
        font_size=12,
    )


def _bar(lane: Lane, span: Span, x0: float, x1: float, y: float) -> str:
    style = look(span.rating)
    parts = [_tag("title", escape(span_title(lane.label, span)))]
    if span.end is not None and x1 - x0 >= 1:
        parts.append(_tag("rect", x=_num(x0), y=_num(y - BAR / 2), width=_num(x1 - x0), height=BAR,
                          fill=style.fill, stroke=style.stroke, stroke_width=1.5,
                          stroke_dasharray=style.dash))
        # The word where it fits, else its short form (RI), else only the marker and title.
        room = x1 - x0 - 14
        fits = [w for w in (span.rating, style.short) if room >= len(w) * CHAR + 2]
        if fits:
            parts.append(_tag("text", escape(fits[0]), x=_num(x0 + 11), y=_num(y + 4),
                              fill=style.text))
    parts.append(marker(style.shape, x0, y))
    return _tag("g", "".join(parts), class_="ql-chart__mark", data_rating=span.rating,
                data_start=span.start.isoformat())


def _legend(y: float) -> str:
    items = [*LOOKS.items(), (NO_RATING_LABEL, NO_RATING)]
    parts, x = [], 12.0
    for label, style in items:
        parts.append(_tag("rect", x=_num(x), y=_num(y - 8), width=26, height=16, fill=style.fill,
                          stroke=style.stroke, stroke_width=1.5, stroke_dasharray=style.dash))
        parts.append(marker(style.shape, x, y, size=5))
        parts.append(_tag("text", escape(label), x=_num(x + 32), y=_num(y + 4), fill="#212b32"))
        x += 32 + len(label) * CHAR + 18
    return _tag("g", "".join(parts), class_="ql-chart__legend")


def ratings_timeline(
    lanes: Sequence[Lane],
    *,
    until: date,
    title: str,
    description: str = "",
    id_prefix: str = "timeline",
    today: date | None = None,
) -> str:
    """A timeline of ratings: one lane per key question (and Overall), years along the axis.

    Each span is a bar from its start to its end with the rating's marker at its start; the
    axis runs from 1 January of the first year to the end of the year of `until` (or of the
    latest date given). `today`, when given, is drawn as a dashed line. The viewBox is fixed
    (760 wide; the height grows with the lanes), so the chart scales with its container.
    """
    start, end = _bounds(lanes, until)
    plot = WIDTH - LEFT - RIGHT
    scale = plot / max((end - start).days, 1)

    def x(day: date) -> float:
        return LEFT + (day - start).days * scale

    lanes_bottom = TOP + LANE * len(lanes)
    height = lanes_bottom + AXIS + LEGEND
    body: list[str] = [
        _tag("title", escape(title), id=f"{id_prefix}-title"),
        _tag("desc", escape(description or title), id=f"{id_prefix}-desc"),
        _tag("rect", x=0, y=0, width=WIDTH, height=height, fill="#ffffff"),
    ]

    # Years: a light line on each 1 January, the year's label in the middle of its band.
    years = list(range(start.year, end.year))
    step = max(1, math.ceil(len(years) / 16))
    axis = []
    for year in [*years, end.year]:
        gx = x(date(year, 1, 1))
        axis.append(_tag("line", x1=_num(gx), y1=TOP, x2=_num(gx), y2=lanes_bottom + 4,
                         stroke="#aeb7bd", stroke_width=1))
    for index, year in enumerate(years):
        if index % step == 0:
            middle = (x(date(year, 1, 1)) + x(date(year + 1, 1, 1))) / 2
            axis.append(_tag("text", str(year), x=_num(middle), y=lanes_bottom + 20,
                             text_anchor="middle", fill="#212b32"))
    body.append(_tag("g", "".join(axis), class_="ql-chart__axis", aria_hidden="true"))

    for index, lane in enumerate(lanes):
        y = TOP + LANE * index + LANE / 2
        parts = [
            _tag("text", escape(lane.label), x=LEFT - 10, y=_num(y + 4), text_anchor="end",
                 fill="#212b32", font_weight="bold"),
            _tag("line", x1=LEFT, y1=_num(y), x2=WIDTH - RIGHT, y2=_num(y), stroke="#d8dde0",
                 stroke_width=1),
        ]
        if not lane.spans:
            parts.append(_tag("text", "No ratings", x=LEFT + 8, y=_num(y + 4), fill="#4c6272",
                              font_style="italic"))
        for span in lane.spans:
            x1 = x(min(span.end, end)) if span.end else x(span.start)
            parts.append(_bar(lane, span, x(span.start), x1, y))
        body.append(_tag("g", "".join(parts), class_="ql-chart__lane", data_lane=lane.label))

    if today is not None and start <= today <= end:
        tx = x(today)
        body.append(_tag("g", "".join([
            _tag("line", x1=_num(tx), y1=TOP - 4, x2=_num(tx), y2=lanes_bottom + 4,
                 stroke="#212b32", stroke_width=1.5, stroke_dasharray="4 3"),
            _tag("title", escape(f"Today, {long_date(today)}")),
        ]), class_="ql-chart__today"))

    body.append(_legend(lanes_bottom + AXIS + LEGEND / 2))
    return _svg(body, height, id_prefix)


# -- Open and closed actions by month (board packs) ----------------------------------------------


@dataclass(frozen=True)
class MonthCount:
    """One month of actions: how many were open at its end and how many were completed in it."""

    month: date  # the first day of the month
    open: int
    closed: int


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _month_end(first: date) -> date:
    following = _month_start(first, -1)
    return date.fromordinal(following.toordinal() - 1)


def open_closed_by_month(
    actions: Sequence[tuple[date, str, date | None]], until: date, months: int = 12
) -> tuple[MonthCount, ...]:
    """The last `months` months up to `until` (its month included, counted to `until`), oldest
    first. Each action is (raised on, status, completed on). Open at a month's end: raised by
    then and not completed by then; cancelled actions are left out, as they have no date of
    closing. Closed in a month: completed within it (a completion later sent back has no date)."""
    counts = []
    for back in range(months - 1, -1, -1):
        first = _month_start(until, back)
        last = min(_month_end(first), until)
        opened = closed = 0
        for raised_on, status, completed_on in actions:
            if status == "cancelled":
                continue
            if raised_on <= last and (completed_on is None or completed_on > last):
                opened += 1
            if completed_on is not None and first <= completed_on <= last:
                closed += 1
        counts.append(MonthCount(first, opened, closed))
    return tuple(counts)


# Open: a dark solid bar; closed: a white bar with a dark dashed edge. They differ in greyscale
# and without colour; each bar also carries its number.
OPEN_LOOK = Look("#005eb8", "#ffffff", "#003087", None, "square", "Open")
CLOSED_LOOK = Look("#ffffff", "#212b32", "#212b32", "4 2", "circle", "Closed")
BARS_HEIGHT = 150


def open_closed_chart(
    months: Sequence[MonthCount], *, title: str, description: str = "", id_prefix: str = "actions"
) -> str:
    """A bar chart of actions open at each month's end beside those completed in the month.

    Same conventions as ratings_timeline: self-contained SVG, presentation attributes only,
    titles on every bar, a fixed viewBox 760 wide."""
    left, top = 44, 16
    plot_width = WIDTH - left - RIGHT
    biggest = max([1, *(m.open for m in months), *(m.closed for m in months)])
    step = max(1, math.ceil(biggest / 5))
    scale_top = step * math.ceil(biggest / step)
    scale = BARS_HEIGHT / scale_top
    base = top + BARS_HEIGHT
    height = base + AXIS + LEGEND
    slot = plot_width / max(len(months), 1)
    bar = min(22.0, slot / 2 - 4)

    body = [
        _tag("title", escape(title), id=f"{id_prefix}-title"),
        _tag("desc", escape(description or title), id=f"{id_prefix}-desc"),
        _tag("rect", x=0, y=0, width=WIDTH, height=_num(height), fill="#ffffff"),
    ]
    grid = []
    for value in range(0, scale_top + 1, step):
        gy = base - value * scale
        grid.append(_tag("line", x1=left, y1=_num(gy), x2=WIDTH - RIGHT, y2=_num(gy),
                         stroke="#d8dde0" if value else "#212b32", stroke_width=1))
        grid.append(_tag("text", str(value), x=left - 6, y=_num(gy + 4), text_anchor="end", fill="#212b32"))
    body.append(_tag("g", "".join(grid), class_="ql-chart__axis", aria_hidden="true"))

    for index, month in enumerate(months):
        x0 = left + slot * index + slot / 2 - bar - 2
        label = f"{month.month:%b %Y}"
        parts = []
        for offset, (count, style, words) in enumerate(
            ((month.open, OPEN_LOOK, "open at the end of the month"),
             (month.closed, CLOSED_LOOK, "completed in the month"))
        ):
            bx = x0 + offset * (bar + 4)
            bar_height = count * scale
            parts.append(_tag("g", "".join([
                _tag("title", escape(f"{label}: {count} {words}")),
                _tag("rect", x=_num(bx), y=_num(base - bar_height), width=_num(bar), height=_num(bar_height),
                     fill=style.fill, stroke=style.stroke, stroke_width=1.5, stroke_dasharray=style.dash),
                _tag("text", str(count), x=_num(bx + bar / 2), y=_num(base - bar_height - 4),
                     text_anchor="middle", fill="#212b32", font_size=11),
            ]), class_="ql-chart__bar", data_series=style.short.lower(), data_count=count))
        parts.append(_tag("text", escape(f"{month.month:%b}"), x=_num(x0 + bar + 2), y=_num(base + 16),
                          text_anchor="middle", fill="#212b32"))
        if index == 0 or month.month.month == 1:
            parts.append(_tag("text", str(month.month.year), x=_num(x0 + bar + 2), y=_num(base + 28),
                              text_anchor="middle", fill="#4c6272", font_size=10))
        body.append(_tag("g", "".join(parts), class_="ql-chart__month", data_month=month.month.isoformat()))

    legend_y = base + AXIS + LEGEND / 2
    legend = []
    x = 12.0
    for style, words in ((OPEN_LOOK, "Open at the end of the month"), (CLOSED_LOOK, "Completed in the month")):
        legend.append(_tag("rect", x=_num(x), y=_num(legend_y - 8), width=26, height=16, fill=style.fill,
                           stroke=style.stroke, stroke_width=1.5, stroke_dasharray=style.dash))
        legend.append(_tag("text", escape(words), x=_num(x + 32), y=_num(legend_y + 4), fill="#212b32"))
        x += 32 + len(words) * CHAR + 24
    body.append(_tag("g", "".join(legend), class_="ql-chart__legend"))
    return _svg(body, height, id_prefix)
