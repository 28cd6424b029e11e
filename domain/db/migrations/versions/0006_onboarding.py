"""loan onboarding: batches, rows, external references, column mappings

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'onboarding_batch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=60), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('rows_total', sa.Integer(), nullable=False),
        sa.Column('rows_booked', sa.Integer(), nullable=False),
        sa.Column('rows_failed', sa.Integer(), nullable=False),
        sa.Column('funded_total_minor', sa.BigInteger(), nullable=False),
        sa.Column('totals', sa.JSON(), nullable=False),
        sa.Column('created_by', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_onboarding_batch_source', 'onboarding_batch', ['source'])
    op.create_index('ix_onboarding_batch_sha256', 'onboarding_batch', ['sha256'])
    op.create_table(
        'onboarding_row',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('row_number', sa.Integer(), nullable=False),
        sa.Column('external_ref', sa.String(length=100), nullable=False),
        sa.Column('loan_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('errors', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['batch_id'], ['onboarding_batch.id']),
        sa.ForeignKeyConstraint(['loan_id'], ['loan.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('batch_id', 'row_number'))
    op.create_index('ix_onboarding_row_batch_id', 'onboarding_row', ['batch_id'])
    op.create_table(
        'onboarded_loan',
        sa.Column('loan_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('source', sa.String(length=60), nullable=False),
        sa.Column('external_ref', sa.String(length=100), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('row_number', sa.Integer(), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['onboarding_batch.id']),
        sa.ForeignKeyConstraint(['loan_id'], ['loan.id']),
        sa.PrimaryKeyConstraint('loan_id'),
        sa.UniqueConstraint('source', 'external_ref'))
    op.create_index('ix_onboarded_loan_batch_id', 'onboarded_loan', ['batch_id'])
    op.create_table(
        'onboarding_mapping',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=60), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('mapping', sa.JSON(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code', 'version'))
    op.create_index('ix_onboarding_mapping_code', 'onboarding_mapping', ['code'])


def downgrade() -> None:
    for table in ('onboarding_mapping', 'onboarded_loan', 'onboarding_row', 'onboarding_batch'):
        op.drop_table(table)
