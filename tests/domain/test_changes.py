import pytest

from app.domain.changes import Change, compare
from app.domain.ratings import UnknownRating


@pytest.mark.parametrize(('previous', 'current', 'kind', 'steps'), (
    (None, 'Good', 'new', 0),
    (None, 'Inadequate', 'new', 0),
    ('Good', 'Good', 'same', 0),
    ('Inadequate', 'Requires improvement', 'up', 1),
    ('Inadequate', 'Good', 'up', 2),
    ('Inadequate', 'Outstanding', 'up', 3),
    ('Good', 'Requires improvement', 'down', 1),
    ('Outstanding', 'Inadequate', 'down', 3),
    ('good', 'REQUIRES IMPROVEMENT', 'down', 1),
    ('Good', 'Not rated', 'none', 0),
    (None, 'Inspected but not rated', 'none', 0),
    ('Not rated', 'Good', 'new', 0),
    ('Insufficient evidence to rate', 'Inadequate', 'new', 0),
))
def test_compare(previous, current, kind, steps):
    assert compare(previous, current) == Change(kind, steps)


@pytest.mark.parametrize(('change', 'arrow', 'label'), (
    (Change('up', 2), '▲', 'Improved by 2'),
    (Change('down', 1), '▼', 'Declined by 1'),
    (Change('same'), '▶', 'No change'),
    (Change('new'), '', 'New rating'),
    (Change('none'), '', ''),
))
def test_arrow_and_label(change, arrow, label):
    assert (change.arrow, change.label) == (arrow, label)


@pytest.mark.parametrize(('previous', 'current'), (('Good', 'Excellent'), ('Excellent', 'Good')))
def test_compare_rejects_values_off_the_scale(previous, current):
    with pytest.raises(UnknownRating, match='Excellent'):
        compare(previous, current)
