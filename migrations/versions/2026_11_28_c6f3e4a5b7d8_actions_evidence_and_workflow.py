"""actions evidence and workflow

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
    pass


def downgrade():
    pass
