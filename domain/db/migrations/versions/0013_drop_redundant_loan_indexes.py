"""drop the single-column loan_id indexes of installment and posting: the unique
(loan_id, schedule_version, number) index and ix_posting_loan_account lead with loan_id and
serve every lookup by loan, so the extra indexes only cost writes (boarding 100k loans writes
2.4M installments; README "Benchmarks")

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 15:40:00
"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain DROP INDEX on both engines: no SQLite table rebuild, so the triggers stay
    op.drop_index('ix_installment_loan_id', table_name='installment')
    op.drop_index('ix_posting_loan_id', table_name='posting')


def downgrade() -> None:
    op.create_index('ix_posting_loan_id', 'posting', ['loan_id'], unique=False)
    op.create_index('ix_installment_loan_id', 'installment', ['loan_id'], unique=False)
