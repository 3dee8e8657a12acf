"""initial schema: organisations, inspections, actions, users, audit

Revision ID: 2692a595d901
Revises: 
Create Date: 2026-11-28 04:49:52.852063

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2692a595d901'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trusts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ods_code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('formed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trusts')),
    sa.UniqueConstraint('ods_code', name=op.f('uq_trusts_ods_code'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('job_title', sa.String(length=200), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'quality', 'lead', 'viewer')", name=op.f('ck_users_role_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('record_kind', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.CheckConstraint("action IN ('create', 'update', 'archive', 'restore')", name=op.f('ck_audit_events_action_valid')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index('ix_audit_events_record', ['record_kind', 'record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_user_id'), ['user_id'], unique=False)

    op.create_table('hospitals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('ods_code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('town', sa.String(length=100), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('registration_status', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('hospital', 'other')", name=op.f('ck_hospitals_kind_valid')),
    sa.ForeignKeyConstraint(['trust_id'], ['trusts.id'], name=op.f('fk_hospitals_trust_id_trusts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hospitals')),
    sa.UniqueConstraint('ods_code', name=op.f('uq_hospitals_ods_code'))
    )
    with op.batch_alter_table('hospitals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hospitals_trust_id'), ['trust_id'], unique=False)

    op.create_table('departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('service_code', sa.String(length=40), nullable=False),
    sa.Column('retired_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_departments_hospital_id_hospitals'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departments')),
    sa.UniqueConstraint('code', name=op.f('uq_departments_code')),
    sa.UniqueConstraint('hospital_id', 'name', name=op.f('uq_departments_hospital_id_name'))
    )
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.create_index('ix_departments_hospital_service', ['hospital_id', 'service_code'], unique=False)

    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_incidents_hospital_id_hospitals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['trust_id'], ['trusts.id'], name=op.f('fk_incidents_trust_id_trusts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_trust_id'), ['trust_id'], unique=False)

    op.create_table('inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('inspection_type', sa.String(length=20), nullable=False),
    sa.Column('notice', sa.String(length=20), nullable=False),
    sa.Column('visit_start', sa.Date(), nullable=True),
    sa.Column('visit_end', sa.Date(), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('report_ref', sa.String(length=100), nullable=True),
    sa.Column('report_url', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('illustrative', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("inspection_type IN ('comprehensive', 'focused', 'responsive', 'well_led')", name=op.f('ck_inspections_inspection_type_valid')),
    sa.CheckConstraint("notice IN ('announced', 'short_notice', 'unannounced')", name=op.f('ck_inspections_notice_valid')),
    sa.CheckConstraint("source IN ('official', 'mock', 'peer_review')", name=op.f('ck_inspections_source_valid')),
    sa.CheckConstraint("status = 'draft' OR published_on IS NOT NULL", name=op.f('ck_inspections_published_has_date')),
    sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_inspections_status_valid')),
    sa.CheckConstraint('published_on >= visit_end', name=op.f('ck_inspections_published_after_visit')),
    sa.CheckConstraint('visit_end >= visit_start', name=op.f('ck_inspections_visit_order')),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_inspections_hospital_id_hospitals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['trust_id'], ['trusts.id'], name=op.f('fk_inspections_trust_id_trusts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections'))
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index('ix_inspections_hospital_published', ['hospital_id', 'published_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_trust_id'), ['trust_id'], unique=False)

    op.create_table('actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('original_due_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('verified_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("priority IN ('high', 'medium', 'low')", name=op.f('ck_actions_priority_valid')),
    sa.CheckConstraint("status <> 'cancelled' OR cancel_reason IS NOT NULL", name=op.f('ck_actions_cancel_has_reason')),
    sa.CheckConstraint("status IN ('open', 'in_progress', 'completed', 'verified', 'cancelled')", name=op.f('ck_actions_status_valid')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_actions_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_actions_hospital_id_hospitals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_actions_incident_id_incidents'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_actions_owner_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions'))
    )
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index('ix_actions_department_due', ['department_id', 'due_on'], unique=False)
        batch_op.create_index('ix_actions_hospital_status_due', ['hospital_id', 'status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_actions_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actions_owner_id'), ['owner_id'], unique=False)

    op.create_table('department_successions',
    sa.Column('predecessor_id', sa.Integer(), nullable=False),
    sa.Column('successor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['predecessor_id'], ['departments.id'], name=op.f('fk_department_successions_predecessor_id_departments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['successor_id'], ['departments.id'], name=op.f('fk_department_successions_successor_id_departments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('predecessor_id', 'successor_id', name=op.f('pk_department_successions'))
    )
    op.create_table('enforcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=True),
    sa.Column('inspection_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('regulation', sa.String(length=5), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('requirement_notice', 'warning_notice', 'section_29a', 'conditions', 'special_measures')", name=op.f('ck_enforcements_kind_valid')),
    sa.CheckConstraint("regulation IN ('5', '9', '9A', '10', '11', '12', '13', '14', '15', '16', '17', '18', '19', '20', '20A')", name=op.f('ck_enforcements_regulation_valid')),
    sa.CheckConstraint('ended_on IS NULL OR ended_on >= started_on', name=op.f('ck_enforcements_ended_after_start')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_enforcements_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_enforcements_hospital_id_hospitals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_enforcements_inspection_id_inspections'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trust_id'], ['trusts.id'], name=op.f('fk_enforcements_trust_id_trusts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enforcements'))
    )
    with op.batch_alter_table('enforcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enforcements_hospital_id'), ['hospital_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enforcements_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enforcements_trust_id'), ['trust_id'], unique=False)

    op.create_table('findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('key_question', sa.String(length=20), nullable=True),
    sa.Column('regulation', sa.String(length=5), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('illustrative', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("key_question IN ('Safe', 'Effective', 'Caring', 'Responsive', 'Well-led')", name=op.f('ck_findings_key_question_valid')),
    sa.CheckConstraint("kind <> 'must_do' OR regulation IS NOT NULL", name=op.f('ck_findings_must_do_regulation')),
    sa.CheckConstraint("kind IN ('must_do', 'should_do', 'outstanding_practice', 'other')", name=op.f('ck_findings_kind_valid')),
    sa.CheckConstraint("regulation IN ('5', '9', '9A', '10', '11', '12', '13', '14', '15', '16', '17', '18', '19', '20', '20A')", name=op.f('ck_findings_regulation_valid')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_findings_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_findings_inspection_id_inspections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_findings'))
    )
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_findings_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('rating_cells',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('key_question', sa.String(length=20), nullable=False),
    sa.Column('rating', sa.String(length=40), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('illustrative', sa.Boolean(), nullable=False),
    sa.CheckConstraint("(scope = 'trust' AND hospital_id IS NULL AND department_id IS NULL) OR (scope = 'hospital' AND hospital_id IS NOT NULL AND department_id IS NULL) OR (scope = 'department' AND hospital_id IS NOT NULL AND department_id IS NOT NULL)", name=op.f('ck_rating_cells_scope_keys')),
    sa.CheckConstraint("key_question IN ('Safe', 'Effective', 'Caring', 'Responsive', 'Well-led', 'Overall')", name=op.f('ck_rating_cells_key_question_valid')),
    sa.CheckConstraint("rating IN ('Outstanding', 'Good', 'Requires improvement', 'Inadequate', 'Inspected but not rated', 'Insufficient evidence to rate', 'No published rating', 'Not rated', 'Rating under appeal', 'Rating suspended')", name=op.f('ck_rating_cells_rating_valid')),
    sa.CheckConstraint("scope IN ('trust', 'hospital', 'department')", name=op.f('ck_rating_cells_scope_valid')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_rating_cells_department_id_departments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_rating_cells_hospital_id_hospitals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_rating_cells_inspection_id_inspections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trust_id'], ['trusts.id'], name=op.f('fk_rating_cells_trust_id_trusts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_cells'))
    )
    with op.batch_alter_table('rating_cells', schema=None) as batch_op:
        batch_op.create_index('ix_rating_cells_grid', ['hospital_id', 'department_id', 'key_question'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_cells_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_cells_trust_id'), ['trust_id'], unique=False)
    # One cell per row and key question in a report. Autogenerate skips expression indexes,
    # so this one is written by hand; COALESCE because NULL keys never collide.
    op.create_index(
        'uq_rating_cells_cell',
        'rating_cells',
        ['inspection_id', 'scope', sa.text('coalesce(hospital_id, 0)'),
         sa.text('coalesce(department_id, 0)'), 'key_question'],
        unique=True,
    )

    op.create_table('user_departments',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_user_departments_department_id_departments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_departments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'department_id', name=op.f('pk_user_departments'))
    )
    op.create_table('action_findings',
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_action_findings_action_id_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_action_findings_finding_id_findings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('action_id', 'finding_id', name=op.f('pk_action_findings'))
    )
    op.create_table('action_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('percent_complete', sa.Integer(), nullable=True),
    sa.Column('new_due_on', sa.Date(), nullable=True),
    sa.Column('due_change_reason', sa.Text(), nullable=True),
    sa.Column('status_from', sa.String(length=20), nullable=True),
    sa.Column('status_to', sa.String(length=20), nullable=True),
    sa.CheckConstraint("status_from IN ('open', 'in_progress', 'completed', 'verified', 'cancelled')", name=op.f('ck_action_updates_status_from_valid')),
    sa.CheckConstraint("status_to IN ('open', 'in_progress', 'completed', 'verified', 'cancelled')", name=op.f('ck_action_updates_status_to_valid')),
    sa.CheckConstraint('new_due_on IS NULL OR due_change_reason IS NOT NULL', name=op.f('ck_action_updates_due_change_has_reason')),
    sa.CheckConstraint('percent_complete IS NULL OR (percent_complete >= 0 AND percent_complete <= 100)', name=op.f('ck_action_updates_percent_range')),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_action_updates_action_id_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_action_updates_author_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_updates'))
    )
    with op.batch_alter_table('action_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_updates_action_id'), ['action_id'], unique=False)



def downgrade():
    with op.batch_alter_table('action_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_updates_action_id'))

    op.drop_table('action_updates')
    op.drop_table('action_findings')
    op.drop_table('user_departments')
    with op.batch_alter_table('rating_cells', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_cells_trust_id'))
        batch_op.drop_index('uq_rating_cells_cell')
        batch_op.drop_index(batch_op.f('ix_rating_cells_inspection_id'))
        batch_op.drop_index('ix_rating_cells_grid')

    op.drop_table('rating_cells')
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_findings_inspection_id'))
        batch_op.drop_index(batch_op.f('ix_findings_department_id'))

    op.drop_table('findings')
    with op.batch_alter_table('enforcements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enforcements_trust_id'))
        batch_op.drop_index(batch_op.f('ix_enforcements_inspection_id'))
        batch_op.drop_index(batch_op.f('ix_enforcements_hospital_id'))

    op.drop_table('enforcements')
    op.drop_table('department_successions')
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actions_owner_id'))
        batch_op.drop_index(batch_op.f('ix_actions_incident_id'))
        batch_op.drop_index('ix_actions_hospital_status_due')
        batch_op.drop_index('ix_actions_department_due')

    op.drop_table('actions')
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspections_trust_id'))
        batch_op.drop_index('ix_inspections_hospital_published')

    op.drop_table('inspections')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_trust_id'))

    op.drop_table('incidents')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_index('ix_departments_hospital_service')

    op.drop_table('departments')
    with op.batch_alter_table('hospitals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hospitals_trust_id'))

    op.drop_table('hospitals')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_user_id'))
        batch_op.drop_index('ix_audit_events_record')
        batch_op.drop_index(batch_op.f('ix_audit_events_occurred_at'))

    op.drop_table('audit_events')
    op.drop_table('users')
    op.drop_table('trusts')
