"""performance indexes

Revision ID: f3c4d5e6a7b8
Revises: f2b3c4d5e6a7
Create Date: 2026-11-28 12:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = "f3c4d5e6a7b8"
down_revision = "f2b3c4d5e6a7"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
