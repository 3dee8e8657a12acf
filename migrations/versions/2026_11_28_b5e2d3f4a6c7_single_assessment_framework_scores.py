"""single assessment framework scores

Revision ID: b5e2d3f4a6c7
Revises: a4f1c2d3e5b6
Create Date: 2026-11-28 06:31:00

"""
from alembic import op
import sqlalchemy as sa


revision = "b5e2d3f4a6c7"
down_revision = "a4f1c2d3e5b6"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
