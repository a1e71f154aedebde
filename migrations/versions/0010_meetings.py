"""meetings and metrics: visit credits, monthly roll-ups, targets, meeting items, talks, incentives, learning

The fact rows and monthly roll-ups of the visits already stored are built at the end of the upgrade
(webapp.metrics.backfill, on the columns as they are at this revision); from then on the visit write path
keeps them.

Revision ID: 0010_meetings
Revises: 0005_sync
Create Date: 2026-12-03 14:41:09.895852

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_meetings'
down_revision = '0008_integrity'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('activity_sub_branch_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('sub_branch_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('credit', sa.String(length=12), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('effective', sa.Integer(), nullable=False),
    sa.Column('verified_effective', sa.Integer(), nullable=False),
    sa.Column('applications', sa.Integer(), nullable=False),
    sa.Column('application_amount', sa.Float(), nullable=False),
    sa.Column('deal_loan', sa.Integer(), nullable=False),
    sa.Column('deal_pension_account', sa.Integer(), nullable=False),
    sa.Column('deal_credit_card', sa.Integer(), nullable=False),
    sa.Column('deal_wealth_product', sa.Integer(), nullable=False),
    sa.Column('deal_bill_payment', sa.Integer(), nullable=False),
    sa.Column('deal_aggregated_qr', sa.Integer(), nullable=False),
    sa.Column('deal_merchant_acquiring', sa.Integer(), nullable=False),
    sa.Column('deal_account_opening', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sub_branch_id'], ['sub_branch.id'], name=op.f('fk_activity_sub_branch_month_sub_branch_id_sub_branch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_sub_branch_month')),
    sa.UniqueConstraint('month', 'sub_branch_id', 'kind', 'credit', name='uq_activity_sub_branch_month_month')
    )
    op.create_table('activity_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sub_branch_id', sa.Integer(), nullable=False),
    sa.Column('district', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('credit', sa.String(length=12), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('effective', sa.Integer(), nullable=False),
    sa.Column('verified_effective', sa.Integer(), nullable=False),
    sa.Column('applications', sa.Integer(), nullable=False),
    sa.Column('application_amount', sa.Float(), nullable=False),
    sa.Column('deal_loan', sa.Integer(), nullable=False),
    sa.Column('deal_pension_account', sa.Integer(), nullable=False),
    sa.Column('deal_credit_card', sa.Integer(), nullable=False),
    sa.Column('deal_wealth_product', sa.Integer(), nullable=False),
    sa.Column('deal_bill_payment', sa.Integer(), nullable=False),
    sa.Column('deal_aggregated_qr', sa.Integer(), nullable=False),
    sa.Column('deal_merchant_acquiring', sa.Integer(), nullable=False),
    sa.Column('deal_account_opening', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sub_branch_id'], ['sub_branch.id'], name=op.f('fk_activity_month_sub_branch_id_sub_branch')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_activity_month_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_month')),
    sa.UniqueConstraint('month', 'user_id', 'sub_branch_id', 'district', 'kind', 'credit', name='uq_activity_month_month')
    )
    with op.batch_alter_table('activity_month', schema=None) as batch_op:
        batch_op.create_index('ix_activity_month_month_sub_branch', ['month', 'sub_branch_id'], unique=False)
        batch_op.create_index('ix_activity_month_user_month', ['user_id', 'month'], unique=False)

    op.create_table('honour',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sub_branch_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('awarded_by_id', sa.Integer(), nullable=False),
    sa.Column('awarded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['awarded_by_id'], ['user.id'], name=op.f('fk_honour_awarded_by_id_user')),
    sa.ForeignKeyConstraint(['sub_branch_id'], ['sub_branch.id'], name=op.f('fk_honour_sub_branch_id_sub_branch')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_honour_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_honour')),
    sa.UniqueConstraint('sub_branch_id', 'month', 'category', name='uq_honour_sub_branch_id')
    )
    op.create_table('incentive_scheme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('sub_branch_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_incentive_scheme_period_ordered')),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_incentive_scheme_branch_id_branch')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_incentive_scheme_created_by_id_user')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_incentive_scheme_decided_by_id_user')),
    sa.ForeignKeyConstraint(['sub_branch_id'], ['sub_branch.id'], name=op.f('fk_incentive_scheme_sub_branch_id_sub_branch')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_incentive_scheme_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incentive_scheme'))
    )
    with op.batch_alter_table('incentive_scheme', schema=None) as batch_op:
        batch_op.create_index('ix_incentive_scheme_branch_state', ['branch_id', 'state'], unique=False)

    op.create_table('meeting_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('sub_branch_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.String(length=2000), nullable=False),
    sa.Column('shared_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_meeting_item_branch_id_branch')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_meeting_item_created_by_id_user')),
    sa.ForeignKeyConstraint(['shared_by_id'], ['user.id'], name=op.f('fk_meeting_item_shared_by_id_user')),
    sa.ForeignKeyConstraint(['sub_branch_id'], ['sub_branch.id'], name=op.f('fk_meeting_item_sub_branch_id_sub_branch')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_meeting_item_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_item'))
    )
    with op.batch_alter_table('meeting_item', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_item_branch_day', ['branch_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_item_shared_by_id'), ['shared_by_id'], unique=False)
        batch_op.create_index('ix_meeting_item_team_day', ['team_id', 'day'], unique=False)

    op.create_table('metric_definition_set',
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_metric_definition_set_branch_id_branch')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_metric_definition_set_updated_by_id_user')),
    sa.PrimaryKeyConstraint('branch_id', name=op.f('pk_metric_definition_set'))
    )
    op.create_table('miss_reason',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_miss_reason_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_miss_reason_team_id_team')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_miss_reason_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_miss_reason')),
    sa.UniqueConstraint('user_id', 'day', name='uq_miss_reason_user_id')
    )
    with op.batch_alter_table('miss_reason', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_miss_reason_team_id'), ['team_id'], unique=False)

    op.create_table('performance_talk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sub_branch_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('knowledge_ours', sa.Integer(), nullable=False),
    sa.Column('knowledge_peers', sa.Integer(), nullable=False),
    sa.Column('sales_skill', sa.Integer(), nullable=False),
    sa.Column('morale', sa.Integer(), nullable=False),
    sa.Column('summary', sa.String(length=2000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('knowledge_ours BETWEEN 1 AND 5 AND knowledge_peers BETWEEN 1 AND 5 AND sales_skill BETWEEN 1 AND 5 AND morale BETWEEN 1 AND 5', name=op.f('ck_performance_talk_ratings_range')),
    sa.ForeignKeyConstraint(['lead_id'], ['user.id'], name=op.f('fk_performance_talk_lead_id_user')),
    sa.ForeignKeyConstraint(['manager_id'], ['user.id'], name=op.f('fk_performance_talk_manager_id_user')),
    sa.ForeignKeyConstraint(['sub_branch_id'], ['sub_branch.id'], name=op.f('fk_performance_talk_sub_branch_id_sub_branch')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_performance_talk_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performance_talk'))
    )
    with op.batch_alter_table('performance_talk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_performance_talk_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index('ix_performance_talk_manager_held', ['manager_id', 'held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_performance_talk_team_id'), ['team_id'], unique=False)

    op.create_table('person_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sub_branch_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('lead_value', sa.Integer(), nullable=True),
    sa.Column('set_by_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('value >= 0', name=op.f('ck_person_target_value_not_negative')),
    sa.ForeignKeyConstraint(['set_by_id'], ['user.id'], name=op.f('fk_person_target_set_by_id_user')),
    sa.ForeignKeyConstraint(['sub_branch_id'], ['sub_branch.id'], name=op.f('fk_person_target_sub_branch_id_sub_branch')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_person_target_team_id_team')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_person_target_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_target')),
    sa.UniqueConstraint('user_id', 'period', 'period_start', 'metric', name='uq_person_target_user_id')
    )
    with op.batch_alter_table('person_target', schema=None) as batch_op:
        batch_op.create_index('ix_person_target_team_period', ['team_id', 'period', 'period_start'], unique=False)

    op.create_table('study_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('sub_branch_id', sa.Integer(), nullable=True),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('notes', sa.String(length=2000), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_study_session_branch_id_branch')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_study_session_created_by_id_user')),
    sa.ForeignKeyConstraint(['sub_branch_id'], ['sub_branch.id'], name=op.f('fk_study_session_sub_branch_id_sub_branch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_session'))
    )
    with op.batch_alter_table('study_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_study_session_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_study_session_sub_branch_id'), ['sub_branch_id'], unique=False)

    op.create_table('sub_branch_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sub_branch_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('value >= 0', name=op.f('ck_sub_branch_target_value_not_negative')),
    sa.ForeignKeyConstraint(['set_by_id'], ['user.id'], name=op.f('fk_sub_branch_target_set_by_id_user')),
    sa.ForeignKeyConstraint(['sub_branch_id'], ['sub_branch.id'], name=op.f('fk_sub_branch_target_sub_branch_id_sub_branch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sub_branch_target')),
    sa.UniqueConstraint('sub_branch_id', 'period', 'period_start', 'metric', name='uq_sub_branch_target_sub_branch_id')
    )
    op.create_table('team_brief',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sub_branch_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('body', sa.String(length=4000), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_team_brief_created_by_id_user')),
    sa.ForeignKeyConstraint(['sub_branch_id'], ['sub_branch.id'], name=op.f('fk_team_brief_sub_branch_id_sub_branch')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_team_brief_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_brief'))
    )
    with op.batch_alter_table('team_brief', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_brief_sub_branch_id'), ['sub_branch_id'], unique=False)

    op.create_table('study_attendance',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['study_session.id'], name=op.f('fk_study_attendance_session_id_study_session')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_study_attendance_user_id_user')),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name='pk_study_attendance')
    )
    with op.batch_alter_table('study_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_study_attendance_user_id'), ['user_id'], unique=False)

    op.create_table('talk_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['done_by_id'], ['user.id'], name=op.f('fk_talk_action_done_by_id_user')),
    sa.ForeignKeyConstraint(['talk_id'], ['performance_talk.id'], name=op.f('fk_talk_action_talk_id_performance_talk')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talk_action'))
    )
    with op.batch_alter_table('talk_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_talk_action_talk_id'), ['talk_id'], unique=False)

    op.create_table('team_brief_photo',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('brief_id', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=120), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['brief_id'], ['team_brief.id'], name=op.f('fk_team_brief_photo_brief_id_team_brief')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_team_brief_photo_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_brief_photo'))
    )
    with op.batch_alter_table('team_brief_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_brief_photo_brief_id'), ['brief_id'], unique=False)

    op.create_table('visit_credit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('credit', sa.String(length=12), nullable=False),
    sa.Column('sub_branch_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('district', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('effective', sa.Integer(), nullable=False),
    sa.Column('verified_effective', sa.Integer(), nullable=False),
    sa.Column('applications', sa.Integer(), nullable=False),
    sa.Column('application_amount', sa.Float(), nullable=False),
    sa.Column('deal_loan', sa.Integer(), nullable=False),
    sa.Column('deal_pension_account', sa.Integer(), nullable=False),
    sa.Column('deal_credit_card', sa.Integer(), nullable=False),
    sa.Column('deal_wealth_product', sa.Integer(), nullable=False),
    sa.Column('deal_bill_payment', sa.Integer(), nullable=False),
    sa.Column('deal_aggregated_qr', sa.Integer(), nullable=False),
    sa.Column('deal_merchant_acquiring', sa.Integer(), nullable=False),
    sa.Column('deal_account_opening', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchant.id'], name=op.f('fk_visit_credit_merchant_id_merchant')),
    sa.ForeignKeyConstraint(['sub_branch_id'], ['sub_branch.id'], name=op.f('fk_visit_credit_sub_branch_id_sub_branch')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_visit_credit_user_id_user')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_visit_credit_visit_id_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_credit')),
    sa.UniqueConstraint('visit_id', 'user_id', name='uq_visit_credit_visit_id_user_id')
    )
    with op.batch_alter_table('visit_credit', schema=None) as batch_op:
        batch_op.create_index('ix_visit_credit_sub_branch_day', ['sub_branch_id', 'day'], unique=False)
        batch_op.create_index('ix_visit_credit_user_day', ['user_id', 'day'], unique=False)

    from webapp.metrics.backfill import rebuild_metric_facts

    rebuild_metric_facts(op.get_bind())


def downgrade():
    with op.batch_alter_table('visit_credit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_credit_user_day')
        batch_op.drop_index('ix_visit_credit_sub_branch_day')

    op.drop_table('visit_credit')
    with op.batch_alter_table('team_brief_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_brief_photo_brief_id'))

    op.drop_table('team_brief_photo')
    with op.batch_alter_table('talk_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_talk_action_talk_id'))

    op.drop_table('talk_action')
    with op.batch_alter_table('study_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_study_attendance_user_id'))

    op.drop_table('study_attendance')
    with op.batch_alter_table('team_brief', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_brief_sub_branch_id'))

    op.drop_table('team_brief')
    op.drop_table('sub_branch_target')
    with op.batch_alter_table('study_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_study_session_sub_branch_id'))
        batch_op.drop_index(batch_op.f('ix_study_session_branch_id'))

    op.drop_table('study_session')
    with op.batch_alter_table('person_target', schema=None) as batch_op:
        batch_op.drop_index('ix_person_target_team_period')

    op.drop_table('person_target')
    with op.batch_alter_table('performance_talk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_performance_talk_team_id'))
        batch_op.drop_index('ix_performance_talk_manager_held')
        batch_op.drop_index(batch_op.f('ix_performance_talk_lead_id'))

    op.drop_table('performance_talk')
    with op.batch_alter_table('miss_reason', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_miss_reason_team_id'))

    op.drop_table('miss_reason')
    op.drop_table('metric_definition_set')
    with op.batch_alter_table('meeting_item', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_item_team_day')
        batch_op.drop_index(batch_op.f('ix_meeting_item_shared_by_id'))
        batch_op.drop_index('ix_meeting_item_branch_day')

    op.drop_table('meeting_item')
    with op.batch_alter_table('incentive_scheme', schema=None) as batch_op:
        batch_op.drop_index('ix_incentive_scheme_branch_state')

    op.drop_table('incentive_scheme')
    op.drop_table('honour')
    with op.batch_alter_table('activity_month', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_month_user_month')
        batch_op.drop_index('ix_activity_month_month_sub_branch')

    op.drop_table('activity_month')
    op.drop_table('activity_sub_branch_month')
