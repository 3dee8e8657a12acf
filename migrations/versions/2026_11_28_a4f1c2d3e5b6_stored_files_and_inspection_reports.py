"""stored files and inspection report documents

Revision ID: a4f1c2d3e5b6
Revises: 0f32b72ffe48
Create Date: 2026-11-28 06:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = "a4f1c2d3e5b6"
down_revision = "0f32b72ffe48"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stored_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size > 0", name=op.f("ck_stored_files_size_positive")),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"],
            name=op.f("fk_stored_files_uploaded_by_id_users"), ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_files")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_stored_files_storage_key")),
    )
    # SQLite cannot add a foreign key to an existing table: batch mode rebuilds it.
    with op.batch_alter_table("inspections") as batch_op:
        batch_op.add_column(sa.Column("report_file_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_inspections_report_file_id_stored_files", "stored_files", ["report_file_id"], ["id"],
            ondelete="RESTRICT",
        )


def downgrade():
    with op.batch_alter_table("inspections") as batch_op:
        batch_op.drop_constraint("fk_inspections_report_file_id_stored_files", type_="foreignkey")
        batch_op.drop_column("report_file_id")
    op.drop_table("stored_files")
