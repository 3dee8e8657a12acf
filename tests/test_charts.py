"""The SVG charts (app.charts): pure functions, plain data in and markup out, so tested by tables.

The markup must stand alone in a web page under the Content-Security-Policy (no style
attributes, no <style>, no script) and in the PDF board pack (no external reference).
"""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from app.charts import LOOKS, NO_RATING, Lane, Span, long_date, ratings_timeline, span_title

SVG = "{http://www.w3.org/2000/svg}"
KEY_QUESTIONS = ("Safe", "Effective", "Caring", "Responsive", "Well-led", "Overall")
TODAY = date(2026, 11, 28)


def lanes_of(**spans: tuple[Span, ...]) -> list[Lane]:
    return [Lane(kq, spans.get(kq.replace("-", "_"), ())) for kq in KEY_QUESTIONS]


WHIPPS_CROSS_SURGERY = [
    Lane(kq, (
        Span("Inadequate", date(2015, 3, 17), date(2016, 12, 16), "Comprehensive inspection, 17 March 2015"),
        Span("Requires improvement", date(2016, 12, 16), date(2019, 2, 1)),
        Span("Good" if kq == "Effective" else "Requires improvement", date(2019, 2, 1), TODAY),
    ))
    for kq in KEY_QUESTIONS
]

CASES = {
    "a full history": WHIPPS_CROSS_SURGERY,
    "one rating": lanes_of(Overall=(Span("Outstanding", date(2019, 2, 1), TODAY),)),
    "empty lanes": lanes_of(),
    "a non-rating, then a rating": lanes_of(Effective=(
        Span("Inspected but not rated", date(2015, 3, 17), date(2019, 2, 1)),
        Span("Good", date(2019, 2, 1), TODAY),
    )),
    "a non-rating never in force": lanes_of(Effective=(
        Span("Good", date(2015, 3, 17), TODAY),
        Span("Insufficient evidence to rate", date(2019, 2, 1), None),
    )),
    "a rating lasting one day": lanes_of(Safe=(Span("Inadequate", date(2020, 5, 5), date(2020, 5, 6)),)),
    "a long history": lanes_of(Safe=tuple(
        Span("Good" if year % 2 else "Requires improvement", date(year, 1, 1), date(year + 1, 1, 1))
        for year in range(1990, 2026)
    )),
}


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def marks(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "ql-chart__mark"]


@pytest.fixture(params=sorted(CASES), ids=sorted(CASES))
def case(request):
    lanes = CASES[request.param]
    return lanes, ratings_timeline(lanes, until=TODAY, title="Ratings of Surgery", today=TODAY)


def test_the_chart_is_well_formed_svg_with_a_fixed_view_box(case):
    _, markup = case
    root = parse(markup)
    assert root.tag == f"{SVG}svg"
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    assert width == 760 and height > 0
    assert root.get("role") == "img"
    labelled = root.get("aria-labelledby").split()
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    assert set(labelled) <= ids
    assert root.find(f"{SVG}title").text == "Ratings of Surgery"


def test_one_lane_per_key_question_and_overall_in_order(case):
    lanes, markup = case
    root = parse(markup)
    found = [g.get("data-lane") for g in root.iter(f"{SVG}g") if g.get("class") == "ql-chart__lane"]
    assert found == [lane.label for lane in lanes] == list(KEY_QUESTIONS)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert all(kq in texts for kq in KEY_QUESTIONS)


def test_every_point_has_a_title_with_the_rating_word_and_its_date(case):
    lanes, markup = case
    root = parse(markup)
    spans = [(lane.label, span) for lane in lanes for span in lane.spans]
    found = marks(root)
    assert len(found) == len(spans)
    for (lane, span), mark in zip(spans, found):
        title = mark.find(f"{SVG}title").text
        assert lane in title and span.rating in title and long_date(span.start) in title
        assert mark.get("data-rating") == span.rating


def test_nothing_the_csp_or_the_pdf_would_refuse(case):
    _, markup = case
    root = parse(markup)
    assert not re.search(r"\sstyle\s*=", markup)
    assert all("style" not in element.attrib for element in root.iter())
    tags = {element.tag.replace(SVG, "") for element in root.iter()}
    assert not tags & {"script", "style", "foreignObject", "image", "use", "a"}
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not name.startswith("on"), name
            assert "href" not in name, name
            assert "url(" not in value and "http" not in value.replace("http://www.w3.org/2000/svg", ""), (name, value)


def test_the_chart_has_no_style_element_and_only_presentation_attributes():
    markup = ratings_timeline(WHIPPS_CROSS_SURGERY, until=TODAY, title="t")
    assert "<style" not in markup and "<script" not in markup
    assert re.search(r'fill="#a8160b"', markup)  # Inadequate's colour, as an attribute


@pytest.mark.parametrize(
    "rating, shape, dash",
    [
        ("Outstanding", "star", None),
        ("Good", "circle", None),
        ("Requires improvement", "triangle", "6 3"),
        ("Inadequate", "square", "2 2"),
        ("Inspected but not rated", "ring", "1 3"),
    ],
)
def test_each_rating_has_its_own_shape_and_border_not_only_a_colour(rating, shape, dash):
    look = LOOKS.get(rating, NO_RATING)
    assert (look.shape, look.dash) == (shape, dash)
    markup = ratings_timeline(lanes_of(Safe=(Span(rating, date(2016, 1, 1), date(2019, 1, 1)),)), until=TODAY, title="t")
    mark = marks(parse(markup))[0]
    bar = mark.find(f"{SVG}rect")
    assert bar.get("stroke-dasharray") == dash
    drawn = {"star": "polygon", "triangle": "polygon", "circle": "circle", "ring": "circle", "square": "rect"}[shape]
    assert len(list(mark.iter(f"{SVG}{drawn}"))) >= 1
    # The word is printed inside a bar long enough to hold it.
    assert rating in [t.text for t in mark.iter(f"{SVG}text")]


def test_shapes_differ_between_the_four_ratings():
    assert len({look.shape for look in LOOKS.values()} | {NO_RATING.shape}) == 5


def test_a_short_bar_shows_the_short_code_and_a_point_shows_only_its_marker():
    lanes = lanes_of(
        Safe=(Span("Requires improvement", date(2019, 1, 1), date(2020, 6, 1)),),
        Effective=(Span("Good", date(2015, 1, 1), TODAY), Span("Not rated", date(2019, 2, 1), None)),
    )
    root = parse(ratings_timeline(lanes, until=TODAY, title="t"))
    short, good, point = marks(root)
    assert [t.text for t in short.iter(f"{SVG}text")] == ["RI"]
    assert [t.text for t in point.iter(f"{SVG}text")] == []
    assert list(point.iter(f"{SVG}rect")) == []  # never in force: no bar
    assert "never in force" in point.find(f"{SVG}title").text


def test_years_along_the_axis_cover_the_data_and_today():
    root = parse(ratings_timeline(WHIPPS_CROSS_SURGERY, until=TODAY, title="t", today=TODAY))
    axis = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "ql-chart__axis")
    years = [int(t.text) for t in axis.iter(f"{SVG}text")]
    assert years == list(range(2015, 2027))
    today = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "ql-chart__today")
    assert "28 November 2026" in today.find(f"{SVG}title").text


def test_a_long_history_labels_every_other_year_so_labels_do_not_collide():
    root = parse(ratings_timeline(CASES["a long history"], until=TODAY, title="t"))
    axis = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "ql-chart__axis")
    years = [int(t.text) for t in axis.iter(f"{SVG}text")]
    assert years[0] == 1990 and len(years) <= 16 and years[1] - years[0] == 3


def test_text_is_escaped():
    lanes = [Lane('<script>alert("x")</script>', (Span("Good", date(2019, 1, 1), TODAY, 'note & "quote"'),))]
    markup = ratings_timeline(lanes, until=TODAY, title="A & B <c>")
    root = parse(markup)
    assert root.find(f"{SVG}title").text == "A & B <c>"
    assert "<script>" not in markup
    assert 'note & "quote"' in marks(root)[0].find(f"{SVG}title").text


def test_the_legend_names_every_rating_in_words():
    root = parse(ratings_timeline(WHIPPS_CROSS_SURGERY, until=TODAY, title="t"))
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "ql-chart__legend")
    words = [t.text for t in legend.iter(f"{SVG}text")]
    assert words[:4] == ["Outstanding", "Good", "Requires improvement", "Inadequate"]


@pytest.mark.parametrize(
    "span, expected",
    [
        (Span("Good", date(2019, 2, 1), date(2022, 11, 4)), "Safe: Good, published 1 February 2019, in force until 4 November 2022"),
        (Span("Good", date(2019, 2, 1), date(2019, 2, 1)), "Safe: Good, published 1 February 2019"),
        (Span("Not rated", date(2019, 2, 1), None, "report X"),
         "Safe: Not rated, published 1 February 2019 (never in force: an earlier rating stayed current) (report X)"),
    ],
)
def test_span_titles(span, expected):
    assert span_title("Safe", span) == expected


def test_the_module_imports_neither_flask_nor_sqlalchemy():
    """Plain data in, markup out: of the app, only the pure rules of app.domain."""
    source = Path(__file__).parents[1].joinpath("app", "charts.py").read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    tops = {name.split(".")[0] for name in imported}
    assert not tops & {"flask", "flask_sqlalchemy", "sqlalchemy", "jinja2", "markupsafe"}
    assert all(name.startswith("app.domain.") for name in imported if name.split(".")[0] == "app")


# -- Open and closed actions by month (board packs) ----------------------------------------------

from app.charts import MonthCount, open_closed_by_month, open_closed_chart  # noqa: E402

ACTIONS = [
    (date(2025, 11, 20), "open", None),  # open all year
    (date(2026, 1, 10), "completed", date(2026, 3, 2)),  # open Jan-Feb, closed in March
    (date(2026, 2, 1), "verified", date(2026, 2, 27)),  # raised and closed in February
    (date(2026, 5, 5), "cancelled", None),  # cancelled: no date of closing, left out
    (date(2026, 11, 29), "open", None),  # after the position date
]


@pytest.mark.parametrize(
    "month, open_, closed",
    [
        (date(2025, 12, 1), 1, 0),
        (date(2026, 1, 1), 2, 0),
        (date(2026, 2, 1), 2, 1),
        (date(2026, 3, 1), 1, 1),
        (date(2026, 11, 1), 1, 0),
    ],
)
def test_open_at_month_end_and_completed_in_the_month(month, open_, closed):
    months = {m.month: m for m in open_closed_by_month(ACTIONS, date(2026, 11, 28))}
    assert len(months) == 12 and min(months) == date(2025, 12, 1) and max(months) == date(2026, 11, 1)
    assert (months[month].open, months[month].closed) == (open_, closed)


def test_months_cross_the_year_end():
    months = open_closed_by_month([], date(2026, 2, 14), months=3)
    assert [m.month for m in months] == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]


def test_the_bar_chart_is_self_contained_and_labels_every_bar():
    months = (MonthCount(date(2026, 1, 1), 3, 1), MonthCount(date(2026, 2, 1), 0, 2))
    svg = open_closed_chart(months, title="Actions <of> A & B", id_prefix="oc")
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "Actions <of> A & B"
    bars = [g for g in root.iter(f"{SVG}g") if g.get("class") == "ql-chart__bar"]
    assert [(b.get("data-series"), b.get("data-count")) for b in bars] == [
        ("open", "3"), ("closed", "1"), ("open", "0"), ("closed", "2")]
    assert [b.find(f"{SVG}title").text for b in bars][:2] == [
        "Jan 2026: 3 open at the end of the month", "Jan 2026: 1 completed in the month"]
    assert "<style" not in svg and "<script" not in svg and "href" not in svg
    # Open and closed differ without colour: one is filled, the other outlined and dashed.
    open_rect, closed_rect = (b.find(f"{SVG}rect") for b in bars[:2])
    assert closed_rect.get("fill") == "#ffffff" and closed_rect.get("stroke-dasharray")
    assert open_rect.get("fill") != "#ffffff" and open_rect.get("stroke-dasharray") is None
