"""installment keyed by what it is, (loan_id, schedule_version, number): the surrogate `id`
was read by nothing, and its primary-key index and per-row sequence call cost about a quarter
of writing an installment (boarding 100k loans writes 2.4M of them; README "Benchmarks").
On SQLite the table is rebuilt (its append-only triggers are created again). Also drops
ix_onboarding_row_batch_id: the unique (batch_id, row_number) index leads with batch_id.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 19:50:00
"""
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

COLUMNS = ("loan_id, schedule_version, number, start_date, due_date, principal_minor, "
           "interest_minor, fee_minor")


def _sqlite_rebuild(key: str, with_id: bool) -> None:
    op.execute(f"""CREATE TABLE installment_new (
        {'id INTEGER NOT NULL, ' if with_id else ''}loan_id INTEGER NOT NULL,
        schedule_version INTEGER NOT NULL, number INTEGER NOT NULL, start_date DATE,
        due_date DATE NOT NULL, principal_minor BIGINT NOT NULL,
        interest_minor BIGINT NOT NULL, fee_minor BIGINT NOT NULL, {key},
        FOREIGN KEY(loan_id) REFERENCES loan (id))""")
    op.execute(f"INSERT INTO installment_new ({COLUMNS}) SELECT {COLUMNS} FROM installment "
               "ORDER BY loan_id, schedule_version, number")
    op.execute("DROP TABLE installment")  # its triggers go with it
    op.execute("ALTER TABLE installment_new RENAME TO installment")
    for what in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER installment_no_{what.lower()} BEFORE {what} ON installment "
                   "BEGIN SELECT RAISE(ABORT, 'installment is append-only'); END")


def upgrade() -> None:
    op.drop_index('ix_onboarding_row_batch_id', table_name='onboarding_row')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE installment DROP CONSTRAINT installment_pkey")
        op.execute("ALTER TABLE installment DROP CONSTRAINT "
                   "installment_loan_id_schedule_version_number_key")
        op.execute("ALTER TABLE installment DROP COLUMN id")  # and its sequence
        op.execute("ALTER TABLE installment ADD CONSTRAINT installment_pkey "
                   "PRIMARY KEY (loan_id, schedule_version, number)")
    else:
        _sqlite_rebuild("PRIMARY KEY (loan_id, schedule_version, number)", with_id=False)


def downgrade() -> None:
    op.create_index('ix_onboarding_row_batch_id', 'onboarding_row', ['batch_id'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE installment DROP CONSTRAINT installment_pkey")
        op.execute("ALTER TABLE installment ADD COLUMN id SERIAL")
        op.execute("ALTER TABLE installment ADD CONSTRAINT installment_pkey PRIMARY KEY (id)")
        op.execute("ALTER TABLE installment ADD CONSTRAINT "
                   "installment_loan_id_schedule_version_number_key "
                   "UNIQUE (loan_id, schedule_version, number)")
    else:  # SQLite numbers the ids (rowid) in key order
        _sqlite_rebuild("PRIMARY KEY (id), UNIQUE (loan_id, schedule_version, number)",
                        with_id=True)
