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
    # The pack's facts (audited), and its PDF bytes apart, so a list never reads them.
    op.create_table('issued_packs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('generated_by_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('size > 0', name=op.f('ck_issued_packs_size_positive')),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_issued_packs_sha256_length')),
    sa.ForeignKeyConstraint(['generated_by_id'], ['users.id'], name=op.f('fk_issued_packs_generated_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_issued_packs_hospital_id_hospitals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['trust_id'], ['trusts.id'], name=op.f('fk_issued_packs_trust_id_trusts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_packs'))
    )
    op.create_index('ix_issued_packs_trust_generated', 'issued_packs', ['trust_id', 'generated_at'], unique=False)
    op.create_table('issued_pack_contents',
    sa.Column('pack_id', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['pack_id'], ['issued_packs.id'], name=op.f('fk_issued_pack_contents_pack_id_issued_packs'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('pack_id', name=op.f('pk_issued_pack_contents'))
    )


def downgrade():
    op.drop_table('issued_pack_contents')
    op.drop_index('ix_issued_packs_trust_generated', table_name='issued_packs')
    op.drop_table('issued_packs')
