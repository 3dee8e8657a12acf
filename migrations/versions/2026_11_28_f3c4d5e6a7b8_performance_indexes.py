"""performance indexes

Revision ID: f3c4d5e6a7b8
Revises: f2b3c4d5e6a7
Create Date: 2026-11-28 12:20:00

Indexes for the national-scale pages (issue 8): every hospital's Overall on the home page, a
trust's grid and board pack, a department's timeline, and the actions answering a hospital's
findings (a full scan of action_findings on every hospital page before). Declared on the models
too (__table_args__), so `flask db check` stays clean.
"""
from alembic import op


revision = "f3c4d5e6a7b8"
down_revision = "f2b3c4d5e6a7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_rating_cells_scope_question", "rating_cells",
                    ["scope", "key_question", "hospital_id", "inspection_id"])
    op.create_index("ix_rating_cells_trust_scope", "rating_cells", ["trust_id", "scope", "inspection_id"])
    op.create_index("ix_rating_cells_department", "rating_cells", ["department_id", "key_question"])
    op.create_index("ix_action_findings_finding", "action_findings", ["finding_id", "action_id"])


def downgrade():
    op.drop_index("ix_action_findings_finding", table_name="action_findings")
    op.drop_index("ix_rating_cells_department", table_name="rating_cells")
    op.drop_index("ix_rating_cells_trust_scope", table_name="rating_cells")
    op.drop_index("ix_rating_cells_scope_question", table_name="rating_cells")
