"""reminder digests sent

Revision ID: d7a4f5b6c8e9
Revises: c6f3e4a5b7d8
Create Date: 2026-11-28 08:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = "d7a4f5b6c8e9"
down_revision = "c6f3e4a5b7d8"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
