"""Two people edit the same action at the same moment, each from a form opened on the same
version: one edit is saved, the other gets the 409 page and changes nothing; on SQLite (writes
BEGIN IMMEDIATE) and on PostgreSQL (READ COMMITTED plus the version check), with two threads,
each with its own request, session and database connection.
"""

from __future__ import annotations

import threading

from sqlalchemy import event, select

from app.actions.models import Action
from app.audit.models import AuditEvent
from app.extensions import db


def _edit_form(action: Action, title: str) -> dict[str, object]:
    return {
        "title": title,
        "description": action.description,
        "department": str(action.department_id or ""),
        "owner": str(action.owner_id),
        "priority": action.priority,
        "findings": [str(f.id) for f in action.findings],
        "version": str(action.version),
    }


def test_two_concurrent_edits_of_one_action_end_in_one_save_and_one_409(app, demo, client_as):
    action = db.session.scalars(
        select(Action).where(Action.archived_at.is_(None)).order_by(Action.id)
    ).first()
    action_id, version = action.id, action.version
    forms = [_edit_form(action, f"Concurrent edit {n}") for n in (1, 2)]
    clients = [client_as("quality"), client_as("quality")]
    # Release SQLite's read snapshot and any lock before the two requests run.
    db.session.commit()

    # Make both requests reach their UPDATE before either is let through, so that both have read
    # the same version (where the database allows it: on SQLite the second request waits at its
    # BEGIN IMMEDIATE until the first commits, and the barrier times out for the first).
    both_read = threading.Barrier(2, timeout=2)
    updates: list[str] = []

    def before_update(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE ACTIONS"):
            updates.append(threading.current_thread().name)
            try:
                both_read.wait()
            except threading.BrokenBarrierError:
                pass

    event.listen(db.engine, "before_cursor_execute", before_update)
    statuses: dict[int, int] = {}

    def edit(n: int) -> None:
        response = clients[n].post(f"/actions/{action_id}/edit", data=forms[n])
        statuses[n] = response.status_code

    threads = [threading.Thread(target=edit, args=(n,), name=f"editor-{n}") for n in (0, 1)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        event.remove(db.engine, "before_cursor_execute", before_update)
    assert not any(thread.is_alive() for thread in threads)

    assert sorted(statuses.values()) == [302, 409], statuses
    winner = next(n for n, status in statuses.items() if status == 302)
    db.session.expire_all()
    saved = db.session.get(Action, action_id)
    assert saved.title == f"Concurrent edit {winner + 1}"
    assert saved.version == version + 1
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_kind == "actions", AuditEvent.record_id == action_id,
            AuditEvent.action == "update",
        )
    ).all()
    assert len([e for e in events if "Concurrent edit" in str(e.changes)]) == 1
    if db.engine.dialect.name == "postgresql":
        # Both requests passed the form's version check and raced to the UPDATE; the row's
        # version condition refused the loser (READ COMMITTED re-reads the row after the lock).
        assert len(updates) == 2
    else:
        # The loser waited for the winner's commit, then read the new version and was refused
        # by the form's version check before writing anything.
        assert len(updates) == 1
