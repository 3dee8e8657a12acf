import pytest

from app.domain.ratings import (
    ALL_VALUES,
    GRID_COLUMNS,
    KEY_QUESTIONS,
    NON_RATINGS,
    RATINGS,
    UnknownKeyQuestion,
    UnknownRating,
    is_rating,
    parse_key_question,
    parse_rating,
    rank,
)


def test_scale_is_spelled_and_ordered_as_cqc():
    assert RATINGS == ("Outstanding", "Good", "Requires improvement", "Inadequate")
    assert ALL_VALUES == RATINGS + NON_RATINGS
    assert GRID_COLUMNS == ("Safe", "Effective", "Caring", "Responsive", "Well-led", "Overall")
    assert set(RATINGS).isdisjoint(NON_RATINGS)


@pytest.mark.parametrize(('text', 'expected'), (
    ('Good', 'Good'),
    ('good', 'Good'),
    ('  GOOD  ', 'Good'),
    ('OUTSTANDING', 'Outstanding'),
    ('inadequate', 'Inadequate'),
    ('Requires Improvement', 'Requires improvement'),
    ('requires_improvement', 'Requires improvement'),
    ('requires-improvement', 'Requires improvement'),
    ('Requires    improvement', 'Requires improvement'),
    ('\tRequires\nimprovement ', 'Requires improvement'),
    ('inspected but not rated', 'Inspected but not rated'),
    ('Insufficient Evidence To Rate', 'Insufficient evidence to rate'),
    ('not_rated', 'Not rated'),
    ('NO PUBLISHED RATING', 'No published rating'),
    ('rating under appeal', 'Rating under appeal'),
    ('Rating Suspended', 'Rating suspended'),
))
def test_parse_rating_canonical_spelling(text, expected):
    assert parse_rating(text) == expected


@pytest.mark.parametrize('text', (
    '',
    '   ',
    'Excellent',
    'Requires',
    'Require improvement',
    'Good!',
    'Outstanding Good',
    'RI',
    None,
    3,
))
def test_parse_rating_rejects_values_off_the_scale(text):
    with pytest.raises(UnknownRating) as exc_info:
        parse_rating(text)
    message = str(exc_info.value)
    assert repr(text) in message
    assert all(value in message for value in ALL_VALUES)
    assert isinstance(exc_info.value, ValueError)


@pytest.mark.parametrize(('value', 'expected'), (
    ('Outstanding', True),
    ('Good', True),
    ('Requires improvement', True),
    ('Inadequate', True),
    ('requires improvement', True),
    ('Inspected but not rated', False),
    ('Insufficient evidence to rate', False),
    ('No published rating', False),
    ('Not rated', False),
    ('Rating under appeal', False),
    ('Rating suspended', False),
    ('Excellent', False),
))
def test_is_rating(value, expected):
    assert is_rating(value) is expected


@pytest.mark.parametrize(('value', 'expected'), (
    ('Outstanding', 0),
    ('Good', 1),
    ('Requires improvement', 2),
    ('Inadequate', 3),
    ('INADEQUATE', 3),
))
def test_rank(value, expected):
    assert rank(value) == expected


@pytest.mark.parametrize('value', NON_RATINGS + ('Excellent',))
def test_rank_rejects_non_ratings(value):
    with pytest.raises(ValueError):
        rank(value)


@pytest.mark.parametrize(('text', 'expected'), (
    ('Safe', 'Safe'),
    (' safe ', 'Safe'),
    ('EFFECTIVE', 'Effective'),
    ('caring', 'Caring'),
    ('Responsive', 'Responsive'),
    ('well led', 'Well-led'),
    ('WELL-LED', 'Well-led'),
    ('Well-Led', 'Well-led'),
    ('well_led', 'Well-led'),
    ('overall', 'Overall'),
))
def test_parse_key_question(text, expected):
    assert parse_key_question(text) == expected


@pytest.mark.parametrize('text', ('', 'Well', 'Safety', 'Leadership', 'Overall rating', None))
def test_parse_key_question_rejects_unknown(text):
    with pytest.raises(UnknownKeyQuestion) as exc_info:
        parse_key_question(text)
    assert repr(text) in str(exc_info.value)
    assert all(name in str(exc_info.value) for name in KEY_QUESTIONS)
