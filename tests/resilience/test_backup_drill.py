"""The backup drill: a backup taken while a writer keeps posting progress updates (some with
evidence) through the app, restored into a different fresh database, and compared table by table
and file by file with its manifest; then the same round trip for a synthetic dataset.

Bounded: the writer stops after the backup (at most a few seconds), the synthetic dataset is
small. The figures for the demo and for seed-synthetic --hospitals 50 are in the README.
"""

from __future__ import annotations

import io
import re
import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.actions.models import Action, ActionUpdate
from app.audit.models import AuditEvent
from app.auth.models import User
from app.backup.manifest import file_sha256
from app.demo.documents import pdf
from app.extensions import db
from tests.resilience.test_backup import digests_of, fresh_target, manifest_of, run_command  # noqa: F401

pytestmark = pytest.mark.long

DRILL = "Drill update "
WAIT_SECONDS = 30
MAX_BACKUPS = 5


class Writer(threading.Thread):
    """Posts numbered progress updates to one action through the app, one after another, every
    third with a PDF as evidence; records when each was acknowledged."""

    def __init__(self, app: Flask, client, action_id: int) -> None:  # type: ignore[no-untyped-def]
        super().__init__(daemon=True)
        self.app, self.client, self.action_id = app, client, action_id
        self.stop = threading.Event()
        self.acknowledged: list[tuple[float, int]] = []
        self.failures: list[str] = []

    def run(self) -> None:
        number = 0
        while not self.stop.is_set() and not self.failures:
            with self.app.app_context():
                version = db.session.scalar(select(Action.version).where(Action.id == self.action_id))
                db.session.remove()
            data = {"text": f"{DRILL}{number}", "version": str(version)}
            if number % 3 == 0:
                data["evidence_file"] = (io.BytesIO(pdf(f"Drill evidence {number}")), f"drill-{number}.pdf")
            response = self.client.post(f"/actions/{self.action_id}/updates", data=data,
                                        content_type="multipart/form-data")
            if response.status_code == 302:
                self.acknowledged.append((time.monotonic(), number))
                number += 1
            else:
                self.failures.append(f"update {number}: HTTP {response.status_code}")

    def written_after(self, moment: float) -> int:
        return sum(1 for at, _number in list(self.acknowledged) if at > moment)

    def wait_for(self, count: int, after: float = 0.0) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while self.written_after(after) < count:
            assert not self.failures, self.failures
            assert time.monotonic() < deadline, f"the writer acknowledged fewer than {count} updates in {WAIT_SECONDS} s"
            time.sleep(0.01)


def _compare_with_manifest(target: Flask, folder: Path) -> dict:  # type: ignore[type-arg]
    """Every table and every file of the restored instance against the backup's manifest."""
    document = manifest_of(folder)
    assert digests_of(target) == {name: (e["rows"], e["sha256"]) for name, e in document["tables"].items()}
    uploads = Path(target.config["UPLOAD_FOLDER"])
    restored = {path.name for path in uploads.iterdir()}
    assert restored == {Path(entry["path"]).name for entry in document["files"]}
    for entry in document["files"]:
        assert file_sha256(uploads / Path(entry["path"]).name) == (entry["size"], entry["sha256"]), entry["path"]
    return document


def _seconds(output: str, label: str) -> float:
    match = re.search(rf"{label}\s+([0-9.]+) s", output)
    assert match, output
    return float(match.group(1))


def test_a_backup_taken_under_write_load_restores_to_one_consistent_snapshot(
    app: Flask, demo, client_as, login_as, fresh_target, tmp_path: Path  # type: ignore[no-untyped-def]  # noqa: F811
):
    action_id = db.session.scalar(select(Action.id).where(Action.status == "in_progress").order_by(Action.id))
    writer = Writer(app, client_as("quality"), action_id)
    db.session.commit()
    writer.start()
    try:
        writer.wait_for(5)
        # Until a backup overlaps at least one acknowledged write (bounded).
        for attempt in range(MAX_BACKUPS):
            folder = tmp_path / f"backup-{attempt}"
            started = time.monotonic()
            acknowledged_before = {number for at, number in list(writer.acknowledged) if at < started}
            result = run_command(app, "backup", str(folder))
            finished = time.monotonic()
            assert result.exit_code == 0, result.output
            during = writer.written_after(started) - writer.written_after(finished)
            if during:
                break
        assert during, f"no write was acknowledged during any of {MAX_BACKUPS} backups"
        writer.wait_for(3, after=finished)
    finally:
        writer.stop.set()
        writer.join(timeout=WAIT_SECONDS)
    assert not writer.failures, writer.failures
    print(f"\nBackup under load ({db.engine.dialect.name}): {during} writes acknowledged during it.\n{result.output}")

    target = fresh_target("drill")
    restored = run_command(target, "restore", str(folder))
    assert restored.exit_code == 0, restored.output
    print(restored.output)
    document = _compare_with_manifest(target, folder)

    with target.app_context():
        numbers = sorted(
            int(text[len(DRILL):]) for text in
            db.session.scalars(select(ActionUpdate.text).where(ActionUpdate.text.startswith(DRILL)))
        )
        # One snapshot: the writer's updates, which commit in order, are present as a prefix with no
        # gap; every one acknowledged before the backup began is there; later ones are not.
        assert numbers == list(range(len(numbers)))
        assert acknowledged_before <= set(numbers)
        update_ids = set(db.session.scalars(select(ActionUpdate.id).where(ActionUpdate.text.startswith(DRILL))))
        # ... and each came with its audit event, from the same transaction.
        audited = set(db.session.scalars(select(AuditEvent.record_id).where(
            AuditEvent.record_kind == "action_updates", AuditEvent.action == "create",
            AuditEvent.record_id.in_(update_ids))))
        assert audited == update_ids
        # The restored instance serves: a restored user reads the action with the last restored update.
        reader = db.session.scalar(select(User).where(User.role == "quality").order_by(User.id))
        page = login_as(target.test_client(), reader).get(f"/actions/{action_id}")
        assert page.status_code == 200 and f"{DRILL}{numbers[-1]}" in page.text
        db.session.remove()
        db.engine.dispose()
    live = db.session.scalar(select(func.count()).select_from(ActionUpdate).where(ActionUpdate.text.startswith(DRILL)))
    assert len(numbers) < live == len(writer.acknowledged)
    assert document["tables"]["action_updates"]["rows"] == len(numbers) + 17  # the demo's own 17


def test_a_synthetic_dataset_round_trips(app: Flask, fresh_target, tmp_path: Path):  # noqa: F811
    from app.synthetic.services import seed_synthetic

    seed_synthetic(hospitals=3, years=3, seed=1)
    db.session.commit()
    folder = tmp_path / "synthetic"
    made = run_command(app, "backup", str(folder))
    assert made.exit_code == 0, made.output
    target = fresh_target("synthetic")
    restored = run_command(target, "restore", str(folder))
    assert restored.exit_code == 0, restored.output
    document = _compare_with_manifest(target, folder)
    assert document["tables"]["rating_cells"]["rows"] > 1000
    print(f"\nSynthetic (3 hospitals, 3 years, {sum(e['rows'] for e in document['tables'].values()):,} rows): "
          f"backup {_seconds(made.output, 'Backup in all'):.2f} s, restore {_seconds(restored.output, 'Restore in all'):.2f} s")
