"""import logs

Revision ID: f1a2b3c4d5e6
Revises: e8b5a6c7d9f0
Create Date: 2026-11-28 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "f1a2b3c4d5e6"
down_revision = "e8b5a6c7d9f0"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
