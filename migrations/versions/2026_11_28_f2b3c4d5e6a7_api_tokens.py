"""api tokens

Revision ID: f2b3c4d5e6a7
Revises: f1a2b3c4d5e6
Create Date: 2026-11-28 12:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = "f2b3c4d5e6a7"
down_revision = "f1a2b3c4d5e6"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
