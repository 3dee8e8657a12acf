import json

import pytest

from app.domain.ratings import KEY_QUESTIONS, UnknownKeyQuestion
from app.domain.saf import SafResult, load_quality_statements, score_key_question


@pytest.mark.parametrize(('key_question', 'count', 'first_title'), (
    ('Safe', 8, 'Learning culture'),
    ('Effective', 6, 'Assessing needs'),
    ('Caring', 5, 'Kindness, compassion and dignity'),
    ('Responsive', 7, 'Person-centred care'),
    ('Well-led', 8, 'Shared direction and culture'),
))
def test_quality_statements_per_key_question(key_question, count, first_title):
    statements = load_quality_statements()[key_question]
    assert len(statements) == count
    assert statements[0].title == first_title
    assert all(s.key_question == key_question for s in statements)


def test_thirty_four_statements_with_unique_codes():
    statements = [s for group in load_quality_statements().values() for s in group]
    assert len(statements) == 34
    assert len({s.code for s in statements}) == 34
    assert tuple(load_quality_statements()) == KEY_QUESTIONS
    assert 'Medicines optimisation' in [s.title for s in load_quality_statements()['Safe']]


@pytest.mark.parametrize(('scores', 'percent', 'rating'), (
    ([1] * 8, 25, 'Inadequate'),
    ([1, 1, 1, 1, 2, 2, 2, 2], 38, 'Inadequate'),        # 37.5 rounds half up
    ([1, 1, 1, 2, 2, 2, 2], 39, 'Requires improvement'),  # 39.3
    ([2] * 5, 50, 'Requires improvement'),
    ([2] * 7 + [3] * 6, 62, 'Requires improvement'),     # 61.5
    ([2, 2, 2, 2, 3, 3, 3, 3], 63, 'Good'),              # 62.5: half up, not to even
    ([3] * 6, 75, 'Good'),
    ([3] * 7 + [4] * 6, 87, 'Good'),                     # 86.5
    ([3, 3, 3, 3, 4, 4, 4, 4], 88, 'Outstanding'),       # 87.5
    ([4] * 7, 100, 'Outstanding'),
    ([3], 75, 'Good'),
))
def test_score_key_question_bands(scores, percent, rating):
    result = score_key_question(scores)
    assert result == SafResult(sum(scores), 4 * len(scores), percent, rating)


@pytest.mark.parametrize(('scores', 'message'), (
    ([], 'at least one'),
    ([0], '0'),
    ([5], '5'),
    ([-1, 3], '-1'),
    ([2, 2.5], '2.5'),
    ([3, '3'], "'3'"),
    ([True], 'True'),
    ([3, None], 'None'),
))
def test_score_key_question_rejects_bad_scores(scores, message):
    with pytest.raises(ValueError, match=message):
        score_key_question(scores)


def _write(tmp_path, statements):
    path = tmp_path / 'statements.json'
    path.write_text(json.dumps({'statements': statements}), encoding='utf-8')
    return path


def test_statements_are_data_a_different_file_can_replace(tmp_path):
    path = _write(tmp_path, [{'code': 'X1', 'key_question': 'well led', 'title': ' Culture '}])
    statements = load_quality_statements(path)
    assert [(s.code, s.key_question, s.title) for s in statements['Well-led']] == \
        [('X1', 'Well-led', 'Culture')]
    assert statements['Safe'] == ()


@pytest.mark.parametrize(('statements', 'error'), (
    ([{'code': 'A', 'key_question': 'Safe', 'title': 'a'},
      {'code': 'A', 'key_question': 'Caring', 'title': 'b'}], ValueError),
    ([{'code': 'A', 'key_question': 'Overall', 'title': 'a'}], ValueError),
    ([{'code': 'A', 'key_question': 'Kindness', 'title': 'a'}], UnknownKeyQuestion),
))
def test_bad_statement_files_are_rejected(tmp_path, statements, error):
    with pytest.raises(error):
        load_quality_statements(_write(tmp_path, statements))
