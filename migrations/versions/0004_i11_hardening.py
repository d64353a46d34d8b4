"""Per-user session generation: logout, password change and deactivation end every session.

Revision ID: 0003_i11_hardening
Revises: 0003_i12_archive_search
Create Date: 2026-11-23 14:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0003_i11_hardening'
down_revision = '0003_i12_archive_search'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_gen', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_gen')
