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
    # One row per owner and day: the claim, then (sent_at set) the record of a digest sent.
    op.create_table('reminder_digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('action_count', sa.Integer(), nullable=False),
    sa.Column('overdue_count', sa.Integer(), nullable=False),
    sa.CheckConstraint('action_count >= 1', name=op.f('ck_reminder_digests_action_count_positive')),
    sa.CheckConstraint('overdue_count >= 0 AND overdue_count <= action_count', name=op.f('ck_reminder_digests_overdue_count_range')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_reminder_digests_owner_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_digests')),
    sa.UniqueConstraint('owner_id', 'sent_on', name=op.f('uq_reminder_digests_owner_id_sent_on'))
    )


def downgrade():
    op.drop_table('reminder_digests')
