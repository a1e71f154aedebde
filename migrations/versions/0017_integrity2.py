"""integrity, second round: report_flag (report_copied on post-loan and overdue reports)

Revision ID: 0017_integrity2
Revises: 0015_ux
Create Date: 2026-12-03 21:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_integrity2'
down_revision = '0015_ux'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('record_id', sa.String(length=80), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_flag')),
    sa.UniqueConstraint('kind', 'record_id', 'code', name='uq_report_flag_kind_record_code')
    )


def downgrade():
    op.drop_table('report_flag')
