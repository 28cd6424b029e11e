"""manual loan entries awaiting a second person's approval

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'manual_loan_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('maker_id', sa.Integer(), nullable=True),
        sa.Column('maker_label', sa.String(length=254), nullable=False),
        sa.Column('checker_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.Column('loan_number', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['maker_id'], ['app_user.id']),
        sa.ForeignKeyConstraint(['checker_id'], ['app_user.id']),
        sa.ForeignKeyConstraint(['batch_id'], ['onboarding_batch.id']),
        sa.PrimaryKeyConstraint('id'))


def downgrade() -> None:
    op.drop_table('manual_loan_entry')
