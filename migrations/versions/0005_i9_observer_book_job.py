"""Observer roles (issue 9): roles an admin marks as observers see the Pemantauan and
open every run read-only; the SOP book job table (the book renders in the background).

Revision ID: 0003_i9_observer_book_job
Revises: 0003_i11_hardening
Create Date: 2026-11-23 15:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_i9_observer_book_job'
down_revision = '0003_i11_hardening'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('role', schema=None) as batch_op:
        batch_op.add_column(sa.Column('observer', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'book_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('sop_count', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('size', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_book_job_key', 'book_job', ['key'], unique=False)


def downgrade():
    op.drop_index('ix_book_job_key', table_name='book_job')
    op.drop_table('book_job')
    with op.batch_alter_table('role', schema=None) as batch_op:
        batch_op.drop_column('observer')
