"""servicing engine

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:53:27.290244
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cob_run',
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('loans', sa.Integer(), nullable=False),
    sa.Column('interest_accrued_minor', sa.BigInteger(), nullable=False),
    sa.Column('late_fees', sa.Integer(), nullable=False),
    sa.Column('late_fees_minor', sa.BigInteger(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('business_date')
    )
    op.create_table('loan_charge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('installment_number', sa.Integer(), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('source_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('journal_entry_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['loan.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_key')
    )
    with op.batch_alter_table('loan_charge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_charge_loan_id'), ['loan_id'], unique=False)

    op.create_table('payment_reversal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('reversed_on', sa.Date(), nullable=False),
    sa.Column('return_code', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('journal_entry_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['loan.id'], ),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('payment_id')
    )
    with op.batch_alter_table('payment_reversal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_reversal_loan_id'), ['loan_id'], unique=False)

    op.create_table(
        "loan_modification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=False),
        sa.Column("to_version", sa.Integer(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("idempotency_key", sa.String(100), nullable=False),
        sa.Column("journal_entry_id", sa.String(64), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["loan_id"], ["loan.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"), sa.UniqueConstraint("idempotency_key"))
    op.create_index("ix_loan_modification_loan_id", "loan_modification", ["loan_id"])
    _rebuild_installment()
    op.create_index("ix_posting_loan_account", "posting", ["loan_id", "account"])
    for table, cols in (
        ("loan", [sa.Column("schedule_version", sa.Integer(), nullable=False, server_default="1"),
                  sa.Column("closed_on", sa.Date(), nullable=True),
                  sa.Column("days_past_due", sa.Integer(), nullable=False, server_default="0"),
                  sa.Column("delinquency_bucket", sa.String(20), nullable=False,
                            server_default="current"),
                  sa.Column("last_cob_date", sa.Date(), nullable=True)]),
        ("payment", [sa.Column("channel", sa.String(20), nullable=False,
                               server_default="servicer")]),
        ("payment_allocation", [
            sa.Column("fee_minor", sa.BigInteger(), nullable=False, server_default="0"),
            sa.Column("advance_minor", sa.BigInteger(), nullable=False, server_default="0")])):
        for col in cols:  # plain ADD COLUMN on both engines: no table rebuild, triggers kept
            op.add_column(table, col)
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("payment_allocation", sa.Column(
            "reversal_id", sa.Integer(), sa.ForeignKey("payment_reversal.id"), nullable=True))
    else:  # SQLite takes a REFERENCES clause in ADD COLUMN, which Alembic does not emit
        op.execute("ALTER TABLE payment_allocation ADD COLUMN reversal_id INTEGER "
                   "REFERENCES payment_reversal (id)")
    _append_only(("payment_reversal", "loan_charge", "installment", "loan_modification"))


def _rebuild_installment(down: bool = False) -> None:
    """Installments gain a schedule version (unique per loan, version, number). Rebuilt by
    copy so the old unnamed unique constraint goes on both engines."""
    op.execute("ALTER TABLE installment RENAME TO installment_old")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE installment_old RENAME CONSTRAINT installment_pkey "
                   "TO installment_old_pkey")
        op.execute("ALTER INDEX IF EXISTS ix_installment_loan_id RENAME TO ix_installment_old")
    else:
        op.execute("DROP INDEX IF EXISTS ix_installment_loan_id")
    cols = [sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("loan_id", sa.Integer(), sa.ForeignKey("loan.id"), nullable=False),
            sa.Column("number", sa.Integer(), nullable=False),
            sa.Column("due_date", sa.Date(), nullable=False),
            sa.Column("principal_minor", sa.BigInteger(), nullable=False),
            sa.Column("interest_minor", sa.BigInteger(), nullable=False)]
    copied = "id, loan_id, number, due_date, principal_minor, interest_minor"
    if down:
        op.create_table("installment", *cols, sa.UniqueConstraint("loan_id", "number"))
    else:
        op.create_table("installment", *cols[:2],
                        sa.Column("schedule_version", sa.Integer(), nullable=False),
                        *cols[2:3], sa.Column("start_date", sa.Date(), nullable=True),
                        *cols[3:], sa.Column("fee_minor", sa.BigInteger(), nullable=False),
                        sa.UniqueConstraint("loan_id", "schedule_version", "number"))
    op.create_index("ix_installment_loan_id", "installment", ["loan_id"])
    extra = ("", "") if down else (", schedule_version, fee_minor", ", 1, 0")
    op.execute(f"INSERT INTO installment ({copied}{extra[0]}) "
               f"SELECT {copied}{extra[1]} FROM installment_old")
    op.drop_table("installment_old")
    if not down:  # each period starts at the previous due date (the first at funding)
        op.execute("""UPDATE installment SET start_date = COALESCE(
            (SELECT MAX(p.due_date) FROM installment p WHERE p.loan_id = installment.loan_id
               AND p.schedule_version = installment.schedule_version
               AND p.number < installment.number),
            (SELECT l.disbursement_date FROM loan l WHERE l.id = installment.loan_id))""")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('installment', 'id'), "
                   "COALESCE((SELECT MAX(id) FROM installment), 0) + 1, false)")


def _append_only(tables) -> None:
    """Same guard as 0001: the database refuses UPDATE and DELETE on these tables."""
    for t in tables:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
                       "FOR EACH ROW EXECUTE FUNCTION lendbook_append_only()")
        else:
            for what in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {t}_no_{what.lower()} BEFORE {what} ON {t} "
                           f"BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END")


def _drop_append_only(tables) -> None:
    for t in tables:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}")
        else:
            for what in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {t}_no_{what}")


def downgrade() -> None:
    _drop_append_only(("payment_reversal", "loan_charge", "installment", "loan_modification"))
    op.drop_index("ix_posting_loan_account", "posting")
    op.drop_index("ix_loan_modification_loan_id", "loan_modification")
    op.drop_table("loan_modification")
    if op.get_bind().dialect.name == "postgresql":
        for col in ("reversal_id", "advance_minor", "fee_minor"):
            op.drop_column("payment_allocation", col)
    else:  # SQLite cannot drop a column with a foreign key: rebuild, then guard again
        with op.batch_alter_table("payment_allocation", recreate="always") as batch_op:
            for col in ("reversal_id", "advance_minor", "fee_minor"):
                batch_op.drop_column(col)
        _append_only(("payment_allocation",))
    op.drop_column("payment", "channel")
    for col in ("last_cob_date", "delinquency_bucket", "days_past_due", "closed_on",
                "schedule_version"):
        op.drop_column("loan", col)
    op.execute("DELETE FROM installment WHERE schedule_version <> 1")
    _rebuild_installment(down=True)
    with op.batch_alter_table('payment_reversal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_reversal_loan_id'))

    op.drop_table('payment_reversal')
    with op.batch_alter_table('loan_charge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_charge_loan_id'))

    op.drop_table('loan_charge')
    op.drop_table('cob_run')
