"""authentication: forced password change, session activity and device summaries

Revision ID: 0012_auth
Revises: 0011_collection
Create Date: 2026-12-10 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_auth'
down_revision = '0011_collection'
branch_labels = None
depends_on = None


def upgrade():
    # Columns arrive with a server default for the rows already there, which is then dropped: the models
    # give every new row its value.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('must_change_password', server_default=None)

    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('device', sa.String(length=80), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('address_hint', sa.String(length=48), nullable=False, server_default=''))
    op.execute('UPDATE login_session SET last_seen_at = created_at')
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.alter_column('last_seen_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column('device', existing_type=sa.String(length=80), server_default=None)
        batch_op.alter_column('address_hint', existing_type=sa.String(length=48), server_default=None)


def downgrade():
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_column('address_hint')
        batch_op.drop_column('device')
        batch_op.drop_column('last_seen_at')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
