"""integrity: photo fingerprints and their keypoint keys, report texts with their MinHash bands and 3-gram counts

Revision ID: 0008_integrity
Revises: 0005_sync
Create Date: 2026-12-03 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_integrity'
down_revision = '0007_serving'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('photo_fingerprint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('photo_id', sa.String(length=36), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('camera', sa.String(length=120), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], name=op.f('fk_photo_fingerprint_photo_id_photo')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photo_fingerprint')),
    sa.UniqueConstraint('photo_id', name=op.f('uq_photo_fingerprint_photo_id'))
    )
    with op.batch_alter_table('photo_fingerprint', schema=None) as batch_op:
        batch_op.create_index('ix_photo_fingerprint_merchant', ['merchant_id', 'id'], unique=False)
        batch_op.create_index('ix_photo_fingerprint_uploader_taken', ['uploaded_by_id', 'taken_at'], unique=False)

    op.create_table('photo_key',
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.Integer(), nullable=False),
    sa.Column('fingerprint_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['fingerprint_id'], ['photo_fingerprint.id'], name=op.f('fk_photo_key_fingerprint_id_photo_fingerprint')),
    sa.PrimaryKeyConstraint('branch_id', 'key', 'fingerprint_id', name='pk_photo_key'),
    sqlite_with_rowid=False
    )

    op.create_table('report_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('record_id', sa.String(length=80), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('sub_branch_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('visit_id', sa.String(length=36), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_text')),
    sa.UniqueConstraint('kind', 'record_id', name='uq_report_text_kind_record_id')
    )
    with op.batch_alter_table('report_text', schema=None) as batch_op:
        batch_op.create_index('ix_report_text_branch_written', ['branch_id', 'written_at'], unique=False)

    op.create_table('report_band',
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report_text.id'], name=op.f('fk_report_band_report_id_report_text')),
    sa.PrimaryKeyConstraint('branch_id', 'value', 'report_id', name='pk_report_band'),
    sqlite_with_rowid=False
    )

    op.create_table('report_gram',
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('gram', sa.BigInteger(), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('branch_id', 'gram', name='pk_report_gram'),
    sqlite_with_rowid=False
    )


def downgrade():
    op.drop_table('report_gram')
    op.drop_table('report_band')
    with op.batch_alter_table('report_text', schema=None) as batch_op:
        batch_op.drop_index('ix_report_text_branch_written')
    op.drop_table('report_text')
    op.drop_table('photo_key')
    with op.batch_alter_table('photo_fingerprint', schema=None) as batch_op:
        batch_op.drop_index('ix_photo_fingerprint_uploader_taken')
        batch_op.drop_index('ix_photo_fingerprint_merchant')
    op.drop_table('photo_fingerprint')
