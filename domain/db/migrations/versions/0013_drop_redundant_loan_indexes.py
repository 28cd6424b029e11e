"""drop the single-column loan_id indexes of installment and posting: the unique
(loan_id, schedule_version, number) index and ix_posting_loan_account lead with loan_id and
serve every lookup by loan, so the extra indexes only cost writes (boarding 100k loans writes
2.4M installments; README "Benchmarks"); onboarded_loan.boarded_on, the business date a loan
was boarded (close of business charges no late fee the source system was due to charge),
filled for loans boarded before from their batch's date

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 15:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain DROP INDEX on both engines: no SQLite table rebuild, so the triggers stay
    op.drop_index('ix_installment_loan_id', table_name='installment')
    op.drop_index('ix_posting_loan_id', table_name='posting')
    op.add_column('onboarded_loan', sa.Column('boarded_on', sa.Date(), nullable=True))
    day = "CAST(b.created_at AS DATE)" if op.get_bind().dialect.name == "postgresql" \
        else "date(b.created_at)"
    op.execute(f"UPDATE onboarded_loan SET boarded_on = (SELECT {day} FROM onboarding_batch b "
               "WHERE b.id = onboarded_loan.batch_id)")


def downgrade() -> None:
    with op.batch_alter_table('onboarded_loan') as batch_op:
        batch_op.drop_column('boarded_on')
    op.create_index('ix_posting_loan_id', 'posting', ['loan_id'], unique=False)
    op.create_index('ix_installment_loan_id', 'installment', ['loan_id'], unique=False)
