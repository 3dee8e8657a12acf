"""latest_cells (the grid's "latest per cell as of a date", cut down in SQL) gives the very grids
the whole history gives: the trust grid and every hospital's Overall, on many dates, for the
official and the internal stream, on synthetic data with focused re-ratings and non-ratings."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.domain.grid import current_grid
from app.domain.ratings import OVERALL
from app.extensions import db
from app.inspections.grids import (
    latest_cells,
    overall_ratings,
    published_cells,
    rated_cells,
    trust_grid,
    trust_grid_from,
)
from app.inspections.models import RatingCell
from app.organisations.models import Hospital, Trust
from app.synthetic.services import seed_synthetic

DATES = [date(2017, 1, 1), date(2019, 6, 30), date(2021, 3, 15), date(2023, 12, 31), date(2026, 11, 1)]


def test_latest_cells_give_the_grids_of_the_whole_history(app):
    seed_synthetic(hospitals=4, years=10, seed=21)
    db.session.commit()
    trusts = db.session.scalars(select(Trust).options(selectinload(Trust.hospitals))).all()
    hospital_ids = [h.id for h in db.session.scalars(select(Hospital))]
    compared = 0
    for as_of in DATES:
        everything = published_cells(
            RatingCell.hospital_id.in_(hospital_ids), RatingCell.scope == "hospital",
            RatingCell.key_question == OVERALL,
        )
        assert overall_ratings(hospital_ids, as_of) == {
            row[1]: cell for (row, _), cell in current_grid(rated_cells(everything), as_of).items()
        }
        for trust in trusts:
            history = published_cells(RatingCell.trust_id == trust.id, RatingCell.scope.in_(("trust", "hospital")))
            for official in (True, False):
                expected = trust_grid_from(trust, trust.hospitals, history, as_of, official=official)
                assert trust_grid(trust, as_of, official=official) == expected
                compared += sum(1 for row in expected.rows for cell in row.cells if cell)
    assert compared > 100  # the data really had cells to compare


def test_latest_cells_keep_only_what_the_grid_needs(app):
    seed_synthetic(hospitals=2, years=10, seed=22)
    db.session.commit()
    trust = db.session.scalars(select(Trust)).first()
    condition = RatingCell.trust_id == trust.id
    everything = [r for r in published_cells(condition) if r.source == "official"]
    cut = latest_cells(date(2026, 11, 1), condition)
    assert 0 < len(cut) < len(everything) / 2
