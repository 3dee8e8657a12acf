"""The synthetic national dataset: deterministic for a seed, sized by its parameters, shaped
like real data, obeying the domain rules, and refused where its codes already exist."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app import create_app
from app.audit.models import AuditEvent
from app.errors import ValidationError
from app.extensions import db
from app.synthetic import shape
from app.synthetic.generate import TABLES
from app.synthetic.services import CodesTaken, seed_synthetic

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith(("postgres://", "postgresql"))
SMALL = {"hospitals": 3, "years": 3}


def config(uri: str) -> dict[str, object]:
    return {"TESTING": True, "SECRET_KEY": "test-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": uri, "WTF_CSRF_ENABLED": False}


def table_digest() -> str:
    """A hash of every generated table's rows in id order (session tokens, which are random
    secrets on purpose, left out)."""
    digest = hashlib.sha256()
    for name in TABLES:
        table = db.metadata.tables[name]
        columns = [c for c in table.c if c.name != "session_token"]
        keys = [c for c in table.primary_key.columns]
        for row in db.session.execute(select(*columns).order_by(*keys)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


@pytest.fixture
def fresh_build(migrated_template: str, tmp_path: Path):
    """fresh_build(**params) -> (digest, summary) of the dataset built in a new, empty database."""
    made = []

    def build(**params):  # type: ignore[no-untyped-def]
        if ON_POSTGRES:
            uri = migrated_template
        else:
            path = tmp_path / f"build-{len(made)}.sqlite"
            shutil.copyfile(migrated_template, path)
            uri = f"sqlite:///{path}"
        made.append(uri)
        other = create_app(config(uri))
        with other.app_context():
            if ON_POSTGRES:
                names = ", ".join(t.name for t in db.metadata.sorted_tables)
                with db.engine.begin() as connection:
                    connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            summary = seed_synthetic(**params)
            db.session.commit()
            result = (table_digest(), summary)
            db.session.remove()
            db.engine.dispose()
        return result

    return build


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows(app, fresh_build):
    first, summary = fresh_build(seed=11, **SMALL)
    again, _ = fresh_build(seed=11, **SMALL)
    other, _ = fresh_build(seed=12, **SMALL)
    assert first == again
    assert other != first
    assert summary.rating_cells > 0 and summary.actions == 30 * 3 * 3


def count(name: str) -> int:
    return db.session.scalar(select(func.count()).select_from(db.metadata.tables[name]))


def test_counts_follow_the_parameters_and_match_the_database(app):
    summary = seed_synthetic(hospitals=6, years=3, seed=5, departments_per_hospital=5, actions=40)
    db.session.commit()
    assert summary.counts() == {name: count(name) for name in TABLES}
    assert (summary.trusts, summary.hospitals, summary.actions) == (1, 6, 40)  # round(6 * 0.15) = 1
    current = db.session.scalar(text("SELECT COUNT(*) FROM departments WHERE retired_on IS NULL"))
    renamed = db.session.scalar(text(
        "SELECT COUNT(*) FROM departments d WHERE EXISTS "
        "(SELECT 1 FROM department_successions s WHERE s.predecessor_id = d.id)"
    ))
    assert summary.departments == 6 * 5 + renamed
    assert current >= 6 * 5


def test_default_proportions_scale_with_hospitals_and_years(app, fresh_build):
    _, small = fresh_build(seed=3, hospitals=4, years=2)
    _, large = fresh_build(seed=3, hospitals=8, years=4)
    assert large.actions == 30 * 8 * 4 and small.actions == 30 * 4 * 2
    assert large.trusts == round(8 * 0.15) and small.trusts == 1
    # Cells and findings grow with hospital-years (four times as many here).
    assert 2.5 < large.rating_cells / small.rating_cells < 6
    assert 2.5 < large.findings / small.findings < 6


def test_the_board_pack_trust_is_one_trust_of_five_hospitals_with_300_actions(app):
    summary = seed_synthetic(hospitals=5, hospitals_per_trust=5, years=10, actions=300, seed=1)
    db.session.commit()
    assert (summary.trusts, summary.hospitals, summary.actions) == (1, 5, 300)
    assert summary.first_trust_code == summary.last_trust_code == "SYN001"
    rows = db.session.execute(text(
        "SELECT h.ods_code, COUNT(d.id) FROM hospitals h JOIN departments d ON d.hospital_id = h.id "
        "WHERE d.retired_on IS NULL GROUP BY h.ods_code ORDER BY h.ods_code"
    )).all()
    assert [code for code, _ in rows] == [f"SYN001{n:02d}" for n in range(1, 6)]
    assert all(n >= 9 for _, n in rows)
    first, last = db.session.execute(text(
        "SELECT MIN(published_on), MAX(published_on) FROM inspections WHERE source = 'official'"
    )).one()
    first, last = (date.fromisoformat(str(d)[:10]) for d in (first, last))
    assert (last - first).days > 8 * 365


def ratings_of(source_clause: str) -> Counter[str]:
    return Counter(dict(db.session.execute(text(
        "SELECT c.rating, COUNT(*) FROM rating_cells c JOIN inspections i ON i.id = c.inspection_id "
        f"WHERE {source_clause} GROUP BY c.rating"
    )).all()))


def test_most_cells_are_good_or_requires_improvement_a_few_inadequate_some_outstanding(app):
    seed_synthetic(hospitals=10, years=3, seed=2)
    db.session.commit()
    for clause in ("i.source = 'official'", "1 = 1"):
        counts = ratings_of(clause)
        total = sum(counts[r] for r in ("Outstanding", "Good", "Requires improvement", "Inadequate"))
        share = {r: counts[r] / total for r in counts}
        assert share["Good"] + share["Requires improvement"] > 0.75
        assert share["Good"] > share["Requires improvement"] > share["Outstanding"]
        assert 0.003 < share["Inadequate"] < 0.1
        assert 0.02 < share["Outstanding"] < 0.2
        assert counts["Inspected but not rated"] > 0  # outpatients' Effective


def test_the_data_keeps_the_domain_rules(app):
    seed_synthetic(hospitals=4, years=4, seed=8)
    db.session.commit()
    q = lambda sql: db.session.execute(text(sql)).all()  # noqa: E731
    # Official inspections are published (but for a recent draft); some are internal.
    assert dict(q("SELECT source, COUNT(*) FROM inspections GROUP BY source")).keys() == {"official", "mock", "peer_review"}
    assert q("SELECT COUNT(*) FROM inspections WHERE status = 'draft' AND published_on IS NOT NULL") == [(0,)]
    # A comprehensive official inspection rates every department it visited and the
    # hospital's row on all six columns (diagnostic imaging has no Effective cell).
    for inspection_id, rows, cells in q(
        "SELECT i.id, COUNT(DISTINCT COALESCE(c.department_id, 0)), COUNT(c.id) FROM inspections i "
        "JOIN rating_cells c ON c.inspection_id = i.id WHERE i.source = 'official' "
        "AND i.inspection_type = 'comprehensive' GROUP BY i.id"
    ):
        assert cells == rows * 6 - 1, inspection_id
    # Focused ones re-rate a few cells.
    focused = [n for (n,) in q(
        "SELECT COUNT(c.id) FROM inspections i JOIN rating_cells c ON c.inspection_id = i.id "
        "WHERE i.inspection_type IN ('focused', 'responsive') AND i.source = 'official' GROUP BY i.id"
    )]
    assert focused and max(focused) <= 2 * 6 + 6 and min(focused) >= 2
    # Must-do findings cite a regulation, should-do ones none.
    assert q("SELECT kind, COUNT(*) FROM findings WHERE (kind = 'must_do') <> (regulation IS NOT NULL) GROUP BY kind") == []
    # Actions: in every status, mostly answering must-do findings of their own hospital,
    # created after the report; overdue ones; slipped ones with the move and its reason.
    statuses = dict(q("SELECT status, COUNT(*) FROM actions GROUP BY status"))
    assert set(statuses) == {"open", "in_progress", "completed", "verified", "cancelled"}
    kinds = dict(q(
        "SELECT f.kind, COUNT(*) FROM actions a JOIN action_findings af ON af.action_id = a.id "
        "JOIN findings f ON f.id = af.finding_id GROUP BY f.kind"
    ))
    assert kinds["must_do"] > sum(kinds.values()) / 2
    assert q(
        "SELECT a.id FROM actions a JOIN action_findings af ON af.action_id = a.id JOIN findings f ON f.id = af.finding_id "
        "JOIN inspections i ON i.id = f.inspection_id WHERE i.hospital_id <> a.hospital_id OR i.published_on > a.original_due_on "
        "OR i.status <> 'published'"
    ) == []
    today = shape.DEFAULT_TODAY.isoformat()
    assert q(f"SELECT COUNT(*) FROM actions WHERE status IN ('open', 'in_progress') AND due_on < '{today}'")[0][0] > 0
    slipped = q(
        "SELECT a.id, a.original_due_on, a.due_on, MAX(u.new_due_on) FROM actions a JOIN action_updates u "
        "ON u.action_id = a.id WHERE u.new_due_on IS NOT NULL GROUP BY a.id, a.original_due_on, a.due_on"
    )
    assert slipped and all(str(due) == str(latest) and str(due) > str(original) for _, original, due, latest in slipped)
    assert q("SELECT COUNT(*) FROM action_updates WHERE new_due_on IS NOT NULL AND due_change_reason IS NULL") == [(0,)]
    assert q(
        "SELECT COUNT(*) FROM actions WHERE (status IN ('completed', 'verified')) <> (completed_on IS NOT NULL) "
        "OR (status = 'verified') <> (verified_on IS NOT NULL) OR verified_on < completed_on"
    ) == [(0,)]
    # The last status change of each action is where it stands.
    for action_id, status, last in q(
        "SELECT a.id, a.status, (SELECT u.status_to FROM action_updates u WHERE u.action_id = a.id "
        "AND u.status_to IS NOT NULL ORDER BY u.created_at DESC, u.id DESC LIMIT 1) FROM actions a"
    ):
        assert status == (last or "open"), action_id
    # Owners are the quality team or the lead of the action's department.
    assert q(
        "SELECT a.id FROM actions a JOIN users u ON u.id = a.owner_id WHERE NOT (u.role = 'quality' OR "
        "(u.role = 'lead' AND EXISTS (SELECT 1 FROM user_departments ud WHERE ud.user_id = u.id "
        "AND ud.department_id = a.department_id)))"
    ) == []


def test_flask_grid_shows_a_synthetic_hospital_with_dates_mixed_by_focused_inspections(app, runner):
    seed_synthetic(hospitals=6, years=6, seed=4)
    db.session.commit()
    # Hospitals whose latest official report is a focused one published after a comprehensive.
    codes = [code for (code,) in db.session.execute(text(
        "SELECT h.ods_code FROM hospitals h WHERE EXISTS (SELECT 1 FROM inspections f WHERE f.hospital_id = h.id "
        "AND f.inspection_type = 'focused' AND f.source = 'official' AND f.status = 'published' "
        "AND f.published_on > (SELECT MAX(c.published_on) FROM inspections c WHERE c.hospital_id = h.id "
        "AND c.inspection_type = 'comprehensive' AND c.source = 'official' AND c.status = 'published')) "
        "ORDER BY h.ods_code"
    ))]
    assert codes
    for code in codes:
        result = runner.invoke(args=["grid", code, "--json", "--as-of", shape.DEFAULT_TODAY.isoformat()])
        assert result.exit_code == 0, result.output
        grid = json.loads(result.output)
        assert grid["hospital"] == code
        assert len({cell["date"] for cell in grid["cells"]}) >= 2, code
        assert {"urgent", None} <= {cell["service"] for cell in grid["cells"]}


def test_renamed_services_appear_in_older_years_and_leave_todays_grid(app, runner):
    seed_synthetic(hospitals=4, years=5, seed=6, today=date(2020, 6, 1))
    db.session.commit()
    # Each retired old service, the day a successor was first rated in an official report,
    # and whether an official report rated the old service before then.
    renamed = db.session.execute(text(
        "SELECT h.ods_code, old.service_code, new.service_code, "
        "(SELECT MIN(i.published_on) FROM rating_cells c JOIN inspections i ON i.id = c.inspection_id "
        " WHERE c.department_id = new.id AND i.source = 'official' AND i.status = 'published') AS ended, "
        "(SELECT MIN(i.published_on) FROM rating_cells c JOIN inspections i ON i.id = c.inspection_id "
        " WHERE c.department_id = old.id AND i.source = 'official' AND i.status = 'published') AS rated "
        "FROM department_successions s JOIN departments old ON old.id = s.predecessor_id "
        "JOIN departments new ON new.id = s.successor_id JOIN hospitals h ON h.id = old.hospital_id "
        "WHERE old.retired_on IS NOT NULL ORDER BY h.ods_code, old.service_code, new.service_code"
    )).all()
    assert {old for _, old, _, _, _ in renamed} >= {"outpatients", "maternity"}
    # The old row ends at the first official rating of any of its successors.
    ends: dict[tuple[str, str], date] = {}
    for code, old, new, ended, rated in renamed:
        if ended is not None:  # a successor may not have been rated yet
            ended = date.fromisoformat(str(ended)[:10])
            ends[(code, old)] = min(ended, ends.get((code, old), ended))
    shown_before = 0
    for code, old, new, ended, rated in renamed:
        now = json.loads(runner.invoke(args=["grid", code, "--json", "--as-of", "2020-06-01"]).output)
        services_now = {c["service"] for c in now["cells"]}
        assert old not in services_now and (new in services_now or ended is None), (code, old)
        ended = ends[(code, old)]
        if rated is not None and date.fromisoformat(str(rated)[:10]) < ended:
            day_before = date.fromordinal(ended.toordinal() - 1).isoformat()
            then = json.loads(runner.invoke(args=["grid", code, "--json", "--as-of", day_before]).output)
            services_then = {c["service"] for c in then["cells"]}
            assert old in services_then and new not in services_then, (code, old, day_before)
            shown_before += 1
    assert shown_before > 0


def test_a_second_load_with_the_same_codes_is_refused_and_changes_nothing(app, runner):
    seed_synthetic(hospitals=2, years=2, seed=1)
    db.session.commit()
    before = {name: count(name) for name in TABLES}
    with pytest.raises(CodesTaken) as refused:
        seed_synthetic(hospitals=3, years=2, seed=9)
    assert "SYN001" in str(refused.value)
    db.session.rollback()
    result = runner.invoke(args=["seed-synthetic", "--hospitals", "2", "--years", "2"])
    assert result.exit_code != 0
    assert "already holds synthetic trusts or hospitals with the codes this run would make (SYN001" in result.output
    assert {name: count(name) for name in TABLES} == before


def test_parameters_out_of_range_are_named(app):
    with pytest.raises(ValidationError) as refused:
        seed_synthetic(hospitals=0, years=2, seed=1, departments_per_hospital=20)
    assert set(refused.value.errors) == {"hospitals", "departments"}


def test_the_command_prints_the_counts_and_writes_one_audit_event(app, runner):
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    result = runner.invoke(args=["seed-synthetic", "--hospitals", "2", "--years", "2", "--seed", "4", "--actions", "10"])
    assert result.exit_code == 0, result.output
    assert "trusts SYN001 to SYN001" in result.output
    assert "rating cells" in result.output and "Built in" in result.output
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events + 1
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.record_kind, event.record_id, event.user_id) == ("create", "synthetic_datasets", 4, None)
    assert event.changes["actions"] == [None, 10] and event.changes["hospitals"] == [None, 2]


def test_it_loads_beside_existing_data_with_ids_after_theirs(app, demo):
    before = db.session.scalar(select(func.max(db.metadata.tables["actions"].c.id)))
    summary = seed_synthetic(hospitals=2, years=2, seed=3, actions=20)
    db.session.commit()
    assert db.session.scalar(text("SELECT COUNT(*) FROM trusts")) == 2  # the demo trust and SYN001
    synthetic = [i for (i,) in db.session.execute(text(
        "SELECT a.id FROM actions a JOIN hospitals h ON h.id = a.hospital_id WHERE h.ods_code LIKE 'SYN%' ORDER BY a.id"
    ))]
    assert len(synthetic) == summary.actions == 20
    assert synthetic == list(range(before + 1, before + 21))
