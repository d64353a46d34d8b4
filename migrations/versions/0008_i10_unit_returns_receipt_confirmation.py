"""Issue 10 (second part): per-unit returns on a fan-out (the checker task keeps the
units it sent back with a reason each), receipt-confirmation tasks (``task.kind``), and
the receiver's confirmation on the tanda terima (status, who and when, or the scan of
the signed paper receipt, or the refusal's reason).

Revision ID: 0008_i10
Revises: 0006_i10_notifications
Create Date: 2026-11-23 18:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_i10'
down_revision = '0006_i10_notifications'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=20), server_default='langkah', nullable=False))
        batch.add_column(sa.Column('returned_units', sa.JSON(), nullable=True))
    with op.batch_alter_table('receipt') as batch:
        batch.add_column(sa.Column('status', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('confirm_task_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('confirmed_by', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('confirm_method', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('scan', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('refused_reason', sa.Text(), nullable=True))
        batch.create_foreign_key('fk_receipt_confirm_task_id_task', 'task', ['confirm_task_id'], ['id'])


def downgrade():
    with op.batch_alter_table('receipt') as batch:
        batch.drop_constraint('fk_receipt_confirm_task_id_task', type_='foreignkey')
        for column in ('refused_reason', 'scan', 'confirm_method', 'confirmed_by', 'confirmed_at', 'confirm_task_id', 'status'):
            batch.drop_column(column)
    with op.batch_alter_table('task') as batch:
        batch.drop_column('returned_units')
        batch.drop_column('kind')
