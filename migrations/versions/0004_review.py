"""branch review: visit review state, audit trail, flag decisions, samples

Revision ID: 0004_review
Revises: 0003_sweep_days
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_review'
down_revision = '0003_sweep_days'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visit_review',
    sa.Column('visit_id', sa.String(length=36), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=2000), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_version', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('round >= 1', name=op.f('ck_visit_review_round_positive')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_visit_review_decided_by_id_user')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_visit_review_visit_id_visit')),
    sa.PrimaryKeyConstraint('visit_id', name=op.f('pk_visit_review'))
    )
    with op.batch_alter_table('visit_review', schema=None) as batch_op:
        batch_op.create_index('ix_visit_review_state_updated', ['state', 'updated_at'], unique=False)

    op.create_table('review_audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=False),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('visit_version', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=2000), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_review_audit_entry_actor_id_user')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_review_audit_entry_visit_id_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_audit_entry'))
    )
    with op.batch_alter_table('review_audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_review_audit_entry_visit_at', ['visit_id', 'created_at'], unique=False)

    op.create_table('flag_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=2000), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_flag_review_decided_by_id_user')),
    sa.ForeignKeyConstraint(['flag_id'], ['visit_flag.id'], name=op.f('fk_flag_review_flag_id_visit_flag'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_flag_review_visit_id_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flag_review')),
    sa.UniqueConstraint('flag_id', name=op.f('uq_flag_review_flag_id'))
    )
    with op.batch_alter_table('flag_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flag_review_visit_id'), ['visit_id'], unique=False)

    op.create_table('review_sample',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('sub_branch_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('minimum', sa.Integer(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('strata', sa.JSON(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('drawn', sa.Integer(), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=False),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('minimum >= 0', name=op.f('ck_review_sample_minimum_not_negative')),
    sa.CheckConstraint('percent >= 1 AND percent <= 100', name=op.f('ck_review_sample_percent_range')),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_review_sample_branch_id_branch')),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['user.id'], name=op.f('fk_review_sample_drawn_by_id_user')),
    sa.ForeignKeyConstraint(['sub_branch_id'], ['sub_branch.id'],
                            name=op.f('fk_review_sample_sub_branch_id_sub_branch')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_review_sample_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_sample'))
    )
    with op.batch_alter_table('review_sample', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_sample_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_sample_team_id'), ['team_id'], unique=False)

    op.create_table('review_sample_visit',
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['manager_id'], ['user.id'], name=op.f('fk_review_sample_visit_manager_id_user')),
    sa.ForeignKeyConstraint(['sample_id'], ['review_sample.id'],
                            name=op.f('fk_review_sample_visit_sample_id_review_sample')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_review_sample_visit_visit_id_visit')),
    sa.PrimaryKeyConstraint('sample_id', 'visit_id', name='pk_review_sample_visit')
    )
    with op.batch_alter_table('review_sample_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_sample_visit_visit_id'), ['visit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('review_sample_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_sample_visit_visit_id'))
    op.drop_table('review_sample_visit')
    with op.batch_alter_table('review_sample', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_sample_team_id'))
        batch_op.drop_index(batch_op.f('ix_review_sample_branch_id'))
    op.drop_table('review_sample')
    with op.batch_alter_table('flag_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flag_review_visit_id'))
    op.drop_table('flag_review')
    with op.batch_alter_table('review_audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_review_audit_entry_visit_at')
    op.drop_table('review_audit_entry')
    with op.batch_alter_table('visit_review', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_review_state_updated')
    op.drop_table('visit_review')
