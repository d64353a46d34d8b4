"""Plugin contract 2: shared form records, declared documents of runs, admin settings.

Revision ID: 0003_i6_forms_records
Revises: 0003_i9_observer_book_job
Create Date: 2026-11-23 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0003_i6_forms_records'
down_revision = '0003_i9_observer_book_job'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('sop_kode', sa.String(length=80), nullable=False),
        sa.Column('sop_id', sa.String(length=80), nullable=False),
        sa.Column('definition_ident', sa.String(length=160), nullable=False),
        sa.Column('form_key', sa.String(length=80), nullable=False),
        sa.Column('tahun', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('schema_version', sa.String(length=64), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['run.id']),
        sa.ForeignKeyConstraint(['task_id'], ['task.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_form_record_lookup', 'form_record', ['sop_kode', 'form_key', 'tahun', 'unit_id'])
    op.create_index(op.f('ix_form_record_run_id'), 'form_record', ['run_id'])
    op.create_table(
        'run_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['run.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('run_id', 'key', name='uq_run_document_key'),
    )
    op.create_index(op.f('ix_run_document_run_id'), 'run_document', ['run_id'])
    op.create_table(
        'setting',
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade():
    op.drop_table('setting')
    op.drop_index(op.f('ix_run_document_run_id'), table_name='run_document')
    op.drop_table('run_document')
    op.drop_index(op.f('ix_form_record_run_id'), table_name='form_record')
    op.drop_index('ix_form_record_lookup', table_name='form_record')
    op.drop_table('form_record')
