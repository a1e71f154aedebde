"""serving: each held upload names its own file in the photo store

Revision ID: 0007_serving
Revises: 0012_auth
Create Date: 2026-12-03 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_serving'
down_revision = '0012_auth'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('held_photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('storage_name', sa.String(length=120), nullable=True))
    # Uploads held before this revision were all named after their photo id.
    op.execute("UPDATE held_photo SET storage_name = 'held/' || id || '.upload'")
    with op.batch_alter_table('held_photo', schema=None) as batch_op:
        batch_op.alter_column('storage_name', existing_type=sa.String(length=120), nullable=False)


def downgrade():
    with op.batch_alter_table('held_photo', schema=None) as batch_op:
        batch_op.drop_column('storage_name')
