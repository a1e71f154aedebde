"""evidence is append-only: check-ins kept as records, flags superseded instead of deleted, flag reviews
never cascade away

Revision ID: 0013_evidence
Revises: 0005_sync
Create Date: 2026-12-03 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_evidence'
down_revision = '0010_meetings'
branch_labels = None
depends_on = None

CHECKIN_FLAG_CODES = ('outside_geofence', 'low_accuracy', 'mock_location_suspected', 'impossible_travel')


def upgrade():
    op.create_table('visit_checkin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('visit_version', sa.Integer(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_visit_checkin_user_id_user')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_visit_checkin_visit_id_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_checkin'))
    )
    with op.batch_alter_table('visit_checkin', schema=None) as batch_op:
        batch_op.create_index('ix_visit_checkin_user_captured', ['user_id', 'captured_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_checkin_visit_id'), ['visit_id'], unique=False)

    with op.batch_alter_table('visit_flag', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_visit_flag_checkin_id_visit_checkin'), 'visit_checkin',
                                    ['checkin_id'], ['id'])

    # A reviewer's judgement of a flag is never deleted with it (flags are no longer deleted either).
    with op.batch_alter_table('flag_review', schema=None) as batch_op:
        batch_op.drop_constraint('fk_flag_review_flag_id_visit_flag', type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_flag_review_flag_id_visit_flag'), 'visit_flag',
                                    ['flag_id'], ['id'])

    # The travel check now compares a person's own check-ins (visit_checkin.user_id), not the named lead's.
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_lead_checkin')

    # Every visit's current check-in becomes its first record, credited to the visit's writer, and the flags
    # that rated it point at it (a clock_skew flag may be a member's, so it stays unattached).
    op.execute(
        "INSERT INTO visit_checkin (visit_id, user_id, visit_version, lat, lon, accuracy_m, captured_at, status, "
        "distance_m, device_id, created_at) "
        "SELECT id, created_by_id, version, checkin_lat, checkin_lon, checkin_accuracy_m, checkin_captured_at, "
        "checkin_status, checkin_distance_m, device_id, updated_at FROM visit"
    )
    codes = ", ".join(f"'{code}'" for code in CHECKIN_FLAG_CODES)
    op.execute(
        "UPDATE visit_flag SET checkin_id = (SELECT visit_checkin.id FROM visit_checkin "
        "WHERE visit_checkin.visit_id = visit_flag.visit_id) "
        f"WHERE visit_flag.photo_id IS NULL AND visit_flag.code IN ({codes})"
    )


def downgrade():
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index('ix_visit_lead_checkin', ['lead_id', 'checkin_captured_at'], unique=False)

    with op.batch_alter_table('flag_review', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_flag_review_flag_id_visit_flag'), type_='foreignkey')
        batch_op.create_foreign_key('fk_flag_review_flag_id_visit_flag', 'visit_flag', ['flag_id'], ['id'],
                                    ondelete='CASCADE')

    with op.batch_alter_table('visit_flag', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_visit_flag_checkin_id_visit_checkin'), type_='foreignkey')
        batch_op.drop_column('superseded_at')
        batch_op.drop_column('checkin_id')

    with op.batch_alter_table('visit_checkin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_checkin_visit_id'))
        batch_op.drop_index('ix_visit_checkin_user_captured')

    op.drop_table('visit_checkin')
