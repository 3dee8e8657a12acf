"""import logs, and hospitals' postal address for the CQC import

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
    # One row per CQC file imported or tried in a dry run (app.imports).
    op.create_table('import_logs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('file_format', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.CheckConstraint("file_format IN ('json', 'csv')", name=op.f('ck_import_logs_file_format_valid')),
    sa.CheckConstraint("outcome IN ('imported', 'unchanged', 'dry_run')", name=op.f('ck_import_logs_outcome_valid')),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_import_logs_sha256_length')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_import_logs_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_logs'))
    )
    op.create_index(op.f('ix_import_logs_imported_at'), 'import_logs', ['imported_at'], unique=False)
    op.create_index(op.f('ix_import_logs_sha256'), 'import_logs', ['sha256'], unique=False)
    # The postal address CQC publishes for a location.
    with op.batch_alter_table('hospitals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('hospitals', schema=None) as batch_op:
        batch_op.drop_column('address')
    op.drop_index(op.f('ix_import_logs_sha256'), table_name='import_logs')
    op.drop_index(op.f('ix_import_logs_imported_at'), table_name='import_logs')
    op.drop_table('import_logs')
