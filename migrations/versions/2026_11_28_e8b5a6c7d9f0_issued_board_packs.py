"""issued board packs

Revision ID: e8b5a6c7d9f0
Revises: d7a4f5b6c8e9
Create Date: 2026-11-28 09:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = "e8b5a6c7d9f0"
down_revision = "d7a4f5b6c8e9"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
