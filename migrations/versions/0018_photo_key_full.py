"""photo_key_full: the keys of a branch that the cap of photos per key already holds, which cast no vote

Revision ID: 0018_photo_key_full
Revises: 0017_integrity2
Create Date: 2026-12-04 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_photo_key_full'
down_revision = '0017_integrity2'
branch_labels = None
depends_on = None

# webapp.photos.reuse_index.KEY_POSTING_CAP when this revision was written (a migration keeps its own copy).
KEY_POSTING_CAP = 32


def upgrade():
    op.create_table('photo_key_full',
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('branch_id', 'key', name='pk_photo_key_full'),
    sqlite_with_rowid=False
    )
    op.execute(sa.text('INSERT INTO photo_key_full (branch_id, key) SELECT branch_id, key FROM photo_key'
                       ' GROUP BY branch_id, key HAVING count(*) >= :cap').bindparams(cap=KEY_POSTING_CAP))


def downgrade():
    op.drop_table('photo_key_full')
