"""inspections newest first index

Revision ID: f5e6a7b8c9d0
Revises: f4d5e6a7b8c9
Create Date: 2026-11-28 12:40:00

"""
from alembic import op


revision = "f5e6a7b8c9d0"
down_revision = "f4d5e6a7b8c9"
branch_labels = None
depends_on = None


def upgrade():
    # The inspections list, newest first (published_on DESC NULLS FIRST, id DESC).
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.create_index("ix_inspections_published", ["published_on", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_index("ix_inspections_published")
