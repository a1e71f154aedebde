"""sweep days, squads, stops and the district rotation

Revision ID: 0003_sweep_days
Revises: 0002_field_visits
Create Date: 2026-11-29 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_sweep_days'
down_revision = '0002_field_visits'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sweep_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sub_branch_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('sweep_date', sa.Date(), nullable=False),
    sa.Column('district', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('target_consultations', sa.Integer(), nullable=False),
    sa.Column('target_applications', sa.Integer(), nullable=False),
    sa.Column('target_deals', sa.Integer(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('on_duty_ids', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('target_consultations >= 0 AND target_applications >= 0 AND target_deals >= 0',
                       name=op.f('ck_sweep_day_targets_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_sweep_day_created_by_id_user')),
    sa.ForeignKeyConstraint(['sub_branch_id'], ['sub_branch.id'], name=op.f('fk_sweep_day_sub_branch_id_sub_branch')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_sweep_day_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sweep_day')),
    sa.UniqueConstraint('team_id', 'sweep_date', name='uq_sweep_day_team_id')
    )
    with op.batch_alter_table('sweep_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sweep_day_sub_branch_id'), ['sub_branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sweep_day_sweep_date'), ['sweep_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_sweep_day_team_id'), ['team_id'], unique=False)

    op.create_table('sweep_squad',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sweep_day_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('support_id', sa.Integer(), nullable=True),
    sa.Column('observer_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['lead_id'], ['user.id'], name=op.f('fk_sweep_squad_lead_id_user')),
    sa.ForeignKeyConstraint(['observer_id'], ['user.id'], name=op.f('fk_sweep_squad_observer_id_user')),
    sa.ForeignKeyConstraint(['support_id'], ['user.id'], name=op.f('fk_sweep_squad_support_id_user')),
    sa.ForeignKeyConstraint(['sweep_day_id'], ['sweep_day.id'], name=op.f('fk_sweep_squad_sweep_day_id_sweep_day')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sweep_squad')),
    sa.UniqueConstraint('sweep_day_id', 'number', name='uq_sweep_squad_sweep_day_id')
    )
    with op.batch_alter_table('sweep_squad', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sweep_squad_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sweep_squad_observer_id'), ['observer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sweep_squad_support_id'), ['support_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sweep_squad_sweep_day_id'), ['sweep_day_id'], unique=False)

    op.create_table('sweep_stop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sweep_day_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('squad_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchant.id'], name=op.f('fk_sweep_stop_merchant_id_merchant')),
    sa.ForeignKeyConstraint(['squad_id'], ['sweep_squad.id'], name=op.f('fk_sweep_stop_squad_id_sweep_squad')),
    sa.ForeignKeyConstraint(['sweep_day_id'], ['sweep_day.id'], name=op.f('fk_sweep_stop_sweep_day_id_sweep_day')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sweep_stop')),
    sa.UniqueConstraint('sweep_day_id', 'merchant_id', name='uq_sweep_stop_sweep_day_id')
    )
    with op.batch_alter_table('sweep_stop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sweep_stop_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sweep_stop_squad_id'), ['squad_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sweep_stop_sweep_day_id'), ['sweep_day_id'], unique=False)

    op.create_table('sweep_rotation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sub_branch_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('interval_weeks', sa.Integer(), nullable=False),
    sa.Column('districts', sa.JSON(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('interval_weeks >= 1', name=op.f('ck_sweep_rotation_interval_positive')),
    sa.ForeignKeyConstraint(['sub_branch_id'], ['sub_branch.id'],
                            name=op.f('fk_sweep_rotation_sub_branch_id_sub_branch')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_sweep_rotation_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sweep_rotation')),
    sa.UniqueConstraint('sub_branch_id', name=op.f('uq_sweep_rotation_sub_branch_id'))
    )


def downgrade():
    op.drop_table('sweep_rotation')
    with op.batch_alter_table('sweep_stop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sweep_stop_sweep_day_id'))
        batch_op.drop_index(batch_op.f('ix_sweep_stop_squad_id'))
        batch_op.drop_index(batch_op.f('ix_sweep_stop_merchant_id'))
    op.drop_table('sweep_stop')
    with op.batch_alter_table('sweep_squad', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sweep_squad_sweep_day_id'))
        batch_op.drop_index(batch_op.f('ix_sweep_squad_support_id'))
        batch_op.drop_index(batch_op.f('ix_sweep_squad_observer_id'))
        batch_op.drop_index(batch_op.f('ix_sweep_squad_lead_id'))
    op.drop_table('sweep_squad')
    with op.batch_alter_table('sweep_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sweep_day_team_id'))
        batch_op.drop_index(batch_op.f('ix_sweep_day_sweep_date'))
        batch_op.drop_index(batch_op.f('ix_sweep_day_sub_branch_id'))
    op.drop_table('sweep_day')
