"""offline sync: photos held on the server until their visit arrives

Revision ID: 0005_sync
Revises: 0004_review
Create Date: 2026-11-30 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_sync'
down_revision = '0004_review'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('held_photo',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('client_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_held_photo_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_held_photo'))
    )
    with op.batch_alter_table('held_photo', schema=None) as batch_op:
        batch_op.create_index('ix_held_photo_visit_state', ['visit_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_held_photo_uploaded_by_id'), ['uploaded_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('held_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_held_photo_uploaded_by_id'))
        batch_op.drop_index('ix_held_photo_visit_state')

    op.drop_table('held_photo')
