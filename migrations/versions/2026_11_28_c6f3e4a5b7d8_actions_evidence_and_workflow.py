"""actions evidence and workflow

Evidence on improvement actions: each row is one version of a document (a stored file) on an
action or on one of its progress updates; a new version names the version it replaces. The
workflow itself (start, complete, verify, send back, cancel) needs no new column: each change is
an action update with its status_from and status_to.

Revision ID: c6f3e4a5b7d8
Revises: b5e2d3f4a6c7
Create Date: 2026-11-28 08:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = "c6f3e4a5b7d8"
down_revision = "b5e2d3f4a6c7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("version_number >= 1", name=op.f("ck_evidence_version_number_positive")),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_evidence_action_id_actions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["file_id"], ["stored_files.id"], name=op.f("fk_evidence_file_id_stored_files"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"], ["evidence.id"], name=op.f("fk_evidence_replaces_id_evidence"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["update_id"], ["action_updates.id"], name=op.f("fk_evidence_update_id_action_updates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_evidence_uploaded_by_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint("file_id", name=op.f("uq_evidence_file_id")),
        sa.UniqueConstraint("replaces_id", name=op.f("uq_evidence_replaces_id")),
    )
    op.create_index(op.f("ix_evidence_action_id"), "evidence", ["action_id"], unique=False)
    op.create_index(op.f("ix_evidence_update_id"), "evidence", ["update_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_evidence_update_id"), table_name="evidence")
    op.drop_index(op.f("ix_evidence_action_id"), table_name="evidence")
    op.drop_table("evidence")
