"""Issue 10: in-app notifications, the outbox of deliveries, per-user preferences, the
reminders already sent per task attempt, removed/replaced/reused attachments, and
Plt./Plh. delegations (with the note of who acted for whom on a task).

Revision ID: 0006_i10_notifications
Revises: 0003_i6_forms_records
Create Date: 2026-11-23 16:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006_i10_notifications'
down_revision = '0003_i6_forms_records'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('url', sa.String(length=300), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=True),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_notification_user_id_users', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['run_id'], ['run.id'], name='fk_notification_run_id_run'),
        sa.ForeignKeyConstraint(['task_id'], ['task.id'], name='fk_notification_task_id_task'),
        sa.PrimaryKeyConstraint('id', name='pk_notification'),
    )
    op.create_index('ix_notification_user_read', 'notification', ['user_id', 'read_at', 'id'], unique=False)
    op.create_table(
        'outbox_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('notification_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=40), nullable=False),
        sa.Column('recipient', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claimed_by', sa.String(length=80), nullable=False),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['notification_id'], ['notification.id'],
                                name='fk_outbox_message_notification_id_notification', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_outbox_message'),
    )
    op.create_index('ix_outbox_message_notification_id', 'outbox_message', ['notification_id'], unique=False)
    op.create_index('ix_outbox_message_status_next', 'outbox_message', ['status', 'next_attempt_at', 'id'], unique=False)
    op.create_table(
        'notification_preference',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('channel', sa.String(length=40), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_notification_preference_user_id_users', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_notification_preference'),
        sa.UniqueConstraint('user_id', 'kind', 'channel', name='uq_notification_preference_user_kind'),
    )
    op.create_table(
        'task_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['task_id'], ['task.id'], name='fk_task_reminder_task_id_task', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_task_reminder'),
        sa.UniqueConstraint('task_id', 'kind', name='uq_task_reminder_task_kind'),
    )


    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('replaced_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('replaced_note', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('kept_from_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_attachment_replaced_by_id_users', 'users', ['replaced_by_id'], ['id'])
        batch_op.create_foreign_key('fk_attachment_kept_from_id_attachment', 'attachment', ['kept_from_id'], ['id'])

    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acting_note', sa.String(length=400), nullable=False, server_default=''))
    op.create_table(
        'delegation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('official_id', sa.Integer(), nullable=False),
        sa.Column('substitute_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=False),
        sa.Column('decree', sa.String(length=200), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['official_id'], ['users.id'], name='fk_delegation_official_id_users'),
        sa.ForeignKeyConstraint(['substitute_id'], ['users.id'], name='fk_delegation_substitute_id_users'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name='fk_delegation_created_by_id_users'),
        sa.PrimaryKeyConstraint('id', name='pk_delegation'),
    )
    op.create_index('ix_delegation_official_id', 'delegation', ['official_id'], unique=False)
    op.create_index('ix_delegation_substitute_id', 'delegation', ['substitute_id'], unique=False)


def downgrade():
    op.drop_index('ix_delegation_substitute_id', table_name='delegation')
    op.drop_index('ix_delegation_official_id', table_name='delegation')
    op.drop_table('delegation')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('acting_note')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_constraint('fk_attachment_kept_from_id_attachment', type_='foreignkey')
        batch_op.drop_constraint('fk_attachment_replaced_by_id_users', type_='foreignkey')
        batch_op.drop_column('kept_from_id')
        batch_op.drop_column('replaced_note')
        batch_op.drop_column('replaced_by_id')
        batch_op.drop_column('replaced_at')
    op.drop_table('task_reminder')
    op.drop_table('notification_preference')
    op.drop_index('ix_outbox_message_status_next', table_name='outbox_message')
    op.drop_index('ix_outbox_message_notification_id', table_name='outbox_message')
    op.drop_table('outbox_message')
    op.drop_index('ix_notification_user_read', table_name='notification')
    op.drop_table('notification')
