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
    pass


def downgrade():
    pass
