"""servicer queue: work for a servicer (estate handling after a deceased return, returns no
rule settles, dishonored returns Lendbook could not apply), one row per cause, open until
resolved

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'servicer_queue_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('loan_id', sa.Integer(), nullable=True),
        sa.Column('attempt_id', sa.Integer(), nullable=True),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('source_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolved_by', sa.Integer(), nullable=True),
        sa.Column('resolution', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['collection_attempt.id'], ),
        sa.ForeignKeyConstraint(['loan_id'], ['loan.id'], ),
        sa.ForeignKeyConstraint(['resolved_by'], ['app_user.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source_key'),
    )
    with op.batch_alter_table('servicer_queue_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_servicer_queue_item_loan_id'), ['loan_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_servicer_queue_item_status'), ['status'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('servicer_queue_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_servicer_queue_item_status'))
        batch_op.drop_index(batch_op.f('ix_servicer_queue_item_loan_id'))
    op.drop_table('servicer_queue_item')
