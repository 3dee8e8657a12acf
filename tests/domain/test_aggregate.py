from itertools import combinations_with_replacement

import pytest

from app.domain.aggregate import Suggestion, apply_enforcement, differs, suggest, threshold
from app.domain.ratings import UnknownRating

O, G, RI, I = 'Outstanding', 'Good', 'Requires improvement', 'Inadequate'
NR, IBNR = 'Not rated', 'Inspected but not rated'


@pytest.mark.parametrize(('n', 'expected'), (
    (1, 1), (3, 1), (4, 2), (8, 2), (9, 3), (25, 3),
))
def test_threshold(n, expected):
    assert threshold(n) == expected


@pytest.mark.parametrize('n', (0, -1))
def test_threshold_needs_a_rating(n):
    with pytest.raises(ValueError):
        threshold(n)


@pytest.mark.parametrize(('ratings', 'rating', 'rule'), (
    # Inadequate: enough of them at the n=3/4 and 8/9 boundaries, and one below
    ([I, G, G], I, 'enough-inadequate'),
    ([I, G, G, G], RI, 'any-inadequate'),
    ([I, I, G, G], I, 'enough-inadequate'),
    ([I, I] + [G] * 6, I, 'enough-inadequate'),
    ([I, I] + [G] * 7, RI, 'any-inadequate'),
    ([I, I, I] + [G] * 6, I, 'enough-inadequate'),
    ([I, O, O, O, O], RI, 'any-inadequate'),
    # Requires improvement
    ([RI, G, G], RI, 'enough-requires-improvement'),
    ([RI, G, G, G], G, 'good'),
    ([RI, RI, G, G], RI, 'enough-requires-improvement'),
    ([RI, RI] + [G] * 6, RI, 'enough-requires-improvement'),
    ([RI, RI] + [G] * 7, G, 'good'),
    ([RI, RI, RI] + [G] * 6, RI, 'enough-requires-improvement'),
    # Outstanding needs enough Outstanding and all the rest Good
    ([O, G, G], O, 'enough-outstanding'),
    ([O, G, G, G], G, 'good'),
    ([O, O, G, G], O, 'enough-outstanding'),
    ([O, O] + [G] * 6, O, 'enough-outstanding'),
    ([O, O] + [G] * 7, G, 'good'),
    ([O, O, O] + [G] * 6, O, 'enough-outstanding'),
    ([O, O, O, O, RI], G, 'good'),
    ([O, O, RI, RI, G], RI, 'enough-requires-improvement'),
    # single ratings
    ([O], O, 'enough-outstanding'),
    ([G], G, 'good'),
    ([RI], RI, 'enough-requires-improvement'),
    ([I], I, 'enough-inadequate'),
    # non-ratings are left out, and n counts only the ratings
    ([O, NR, G, G], O, 'enough-outstanding'),
    ([RI, IBNR, G, G], RI, 'enough-requires-improvement'),
    (['outstanding', 'GOOD'], O, 'enough-outstanding'),
    ([], None, 'no-ratings'),
    ([NR, IBNR], None, 'no-ratings'),
))
def test_suggest(ratings, rating, rule):
    suggestion = suggest(ratings)
    assert (suggestion.rating, suggestion.rule) == (rating, rule)


@pytest.mark.parametrize(('ratings', 'explanation'), (
    ([RI, RI, G, G, G], '2 of 5 ratings are Requires improvement (threshold 2 for 4–8 ratings).'),
    ([I, G, G, G, G], '1 of 5 ratings is Inadequate (threshold 2 for 4–8 ratings), which limits '
                      'the result to Requires improvement at best.'),
    ([O, O, O] + [G] * 6, '3 of 9 ratings are Outstanding and the rest Good '
                          '(threshold 3 for 9 or more ratings).'),
    ([O, O, G, G, RI, NR], '2 Outstanding, 2 Good and 1 Requires improvement of 5 ratings, '
                           'with none Inadequate (threshold 2 for 4–8 ratings).'),
))
def test_explanation_gives_the_counts(ratings, explanation):
    assert suggest(ratings).explanation == explanation


def _domain_overall_rule(ratings):
    """DOMAIN.md's own wording for an overall rating from the five key questions."""
    o, ri, i = ratings.count(O), ratings.count(RI), ratings.count(I)
    if i >= 2:
        return I
    if i == 1 or ri >= 2:
        return RI
    if o >= 2 and ri == 0:
        return O
    return G


def test_five_key_questions_reproduce_the_overall_rules():
    for ratings in combinations_with_replacement((O, G, RI, I), 5):
        assert suggest(ratings).rating == _domain_overall_rule(list(ratings)), ratings


@pytest.mark.parametrize(('ratings', 'notices', 'rating', 'rule'), (
    ([G] * 5, {'requirement_notice': True}, RI, 'requirement-notice-cap'),
    ([O, O, G, G, G], {'requirement_notice': True}, RI, 'requirement-notice-cap'),
    ([RI, RI, G, G, G], {'requirement_notice': True}, RI, 'enough-requires-improvement'),
    ([I, I, G, G, G], {'requirement_notice': True}, I, 'enough-inadequate'),
    ([G] * 5, {'warning_notice': True}, I, 'warning-notice'),
    ([O] * 5, {'warning_notice': True, 'requirement_notice': True}, I, 'warning-notice'),
    ([I, I, G, G, G], {'warning_notice': True}, I, 'enough-inadequate'),
    ([G] * 5, {}, G, 'good'),
))
def test_apply_enforcement(ratings, notices, rating, rule):
    suggestion = apply_enforcement(suggest(ratings), **notices)
    assert (suggestion.rating, suggestion.rule) == (rating, rule)


def test_enforcement_keeps_the_counts_in_one_sentence():
    explanation = apply_enforcement(suggest([G] * 5), requirement_notice=True).explanation
    assert explanation.startswith('0 Outstanding, 5 Good')
    assert explanation.endswith('; a requirement notice caps it at Requires improvement.')
    assert explanation.count('.') == 1


@pytest.mark.parametrize(('suggested', 'published', 'expected'), (
    (G, G, False),
    (G, RI, True),
    (O, G, True),
    (G, 'good', False),
    (G, NR, False),
    (G, None, False),
    (None, G, False),
))
def test_differs(suggested, published, expected):
    assert differs(Suggestion(suggested, 'test', ''), published) is expected


def test_unknown_values_are_not_silently_dropped():
    with pytest.raises(UnknownRating, match='Excellent'):
        suggest([G, 'Excellent'])
