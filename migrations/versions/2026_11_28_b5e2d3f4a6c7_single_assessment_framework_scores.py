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
    op.create_table('quality_statement_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('key_question', sa.String(length=20), nullable=False),
    sa.Column('statement_code', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.CheckConstraint("(scope = 'trust' AND hospital_id IS NULL AND department_id IS NULL) OR (scope = 'hospital' AND hospital_id IS NOT NULL AND department_id IS NULL) OR (scope = 'department' AND hospital_id IS NOT NULL AND department_id IS NOT NULL)", name=op.f('ck_quality_statement_scores_scope_keys')),
    sa.CheckConstraint("key_question IN ('Safe', 'Effective', 'Caring', 'Responsive', 'Well-led')", name=op.f('ck_quality_statement_scores_key_question_valid')),
    sa.CheckConstraint("scope IN ('trust', 'hospital', 'department')", name=op.f('ck_quality_statement_scores_scope_valid')),
    sa.CheckConstraint('score >= 1 AND score <= 4', name=op.f('ck_quality_statement_scores_score_range')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_quality_statement_scores_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_quality_statement_scores_hospital_id_hospitals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_quality_statement_scores_inspection_id_inspections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trust_id'], ['trusts.id'], name=op.f('fk_quality_statement_scores_trust_id_trusts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_statement_scores'))
    )
    with op.batch_alter_table('quality_statement_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quality_statement_scores_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quality_statement_scores_trust_id'), ['trust_id'], unique=False)

    op.create_table('key_question_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('key_question', sa.String(length=20), nullable=False),
    sa.Column('scored', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('maximum', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('rating', sa.String(length=40), nullable=False),
    sa.CheckConstraint("(scope = 'trust' AND hospital_id IS NULL AND department_id IS NULL) OR (scope = 'hospital' AND hospital_id IS NOT NULL AND department_id IS NULL) OR (scope = 'department' AND hospital_id IS NOT NULL AND department_id IS NOT NULL)", name=op.f('ck_key_question_scores_scope_keys')),
    sa.CheckConstraint("key_question IN ('Safe', 'Effective', 'Caring', 'Responsive', 'Well-led')", name=op.f('ck_key_question_scores_key_question_valid')),
    sa.CheckConstraint("scope IN ('trust', 'hospital', 'department')", name=op.f('ck_key_question_scores_scope_valid')),
    sa.CheckConstraint("rating IN ('Outstanding', 'Good', 'Requires improvement', 'Inadequate')", name=op.f('ck_key_question_scores_rating_valid')),
    sa.CheckConstraint('percent >= 25 AND percent <= 100', name=op.f('ck_key_question_scores_percent_range')),
    sa.CheckConstraint('scored >= 1 AND maximum = 4 * scored', name=op.f('ck_key_question_scores_maximum_of_scored')),
    sa.CheckConstraint('total >= scored AND total <= maximum', name=op.f('ck_key_question_scores_total_range')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_key_question_scores_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_key_question_scores_hospital_id_hospitals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_key_question_scores_inspection_id_inspections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trust_id'], ['trusts.id'], name=op.f('fk_key_question_scores_trust_id_trusts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_question_scores'))
    )
    with op.batch_alter_table('key_question_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_question_scores_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_question_scores_trust_id'), ['trust_id'], unique=False)

    # One score per statement and one result per key question, per row of a report.
    # Autogenerate skips expression indexes, so these are written by hand; COALESCE because
    # NULL keys never collide.
    op.create_index(
        'uq_quality_statement_scores_statement',
        'quality_statement_scores',
        ['inspection_id', 'scope', sa.text('coalesce(hospital_id, 0)'),
         sa.text('coalesce(department_id, 0)'), 'statement_code'],
        unique=True,
    )
    op.create_index(
        'uq_key_question_scores_key_question',
        'key_question_scores',
        ['inspection_id', 'scope', sa.text('coalesce(hospital_id, 0)'),
         sa.text('coalesce(department_id, 0)'), 'key_question'],
        unique=True,
    )


def downgrade():
    op.drop_index('uq_key_question_scores_key_question', table_name='key_question_scores')
    op.drop_index('uq_quality_statement_scores_statement', table_name='quality_statement_scores')
    with op.batch_alter_table('key_question_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_question_scores_trust_id'))
        batch_op.drop_index(batch_op.f('ix_key_question_scores_inspection_id'))

    op.drop_table('key_question_scores')
    with op.batch_alter_table('quality_statement_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quality_statement_scores_trust_id'))
        batch_op.drop_index(batch_op.f('ix_quality_statement_scores_inspection_id'))

    op.drop_table('quality_statement_scores')
