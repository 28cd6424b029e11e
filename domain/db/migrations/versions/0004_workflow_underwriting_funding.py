"""workflow, underwriting and funding

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 00:55:39.233419
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('application_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id')
    )
    op.create_table('workflow_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['published_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', 'version')
    )
    with op.batch_alter_table('workflow_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workflow_version_code'), ['code'], unique=False)

    op.create_table('application_condition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('document_kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cleared_by', sa.Integer(), nullable=True),
    sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.ForeignKeyConstraint(['cleared_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('application_condition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_condition_application_id'), ['application_id'], unique=False)

    op.create_table('funding_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.ForeignKeyConstraint(['approver_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'approver_id')
    )
    with op.batch_alter_table('funding_approval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_approval_application_id'), ['application_id'], unique=False)

    op.create_table('disbursement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('payee_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('payee_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.ForeignKeyConstraint(['loan_id'], ['loan.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id'),
    sa.UniqueConstraint('loan_id')
    )
    # plain ADD COLUMN on both engines: no table rebuild
    op.add_column('application', sa.Column('point_of_sale', sa.JSON(), nullable=True))
    op.add_column('application', sa.Column('workflow_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
    op.add_column('application', sa.Column('workflow_version', sa.Integer(), nullable=True))
    _append_only(("funding_approval",))


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


def downgrade() -> None:
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_column('workflow_version')
        batch_op.drop_column('workflow_code')
        batch_op.drop_column('point_of_sale')

    op.drop_table('disbursement')
    with op.batch_alter_table('funding_approval', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_approval_application_id'))

    op.drop_table('funding_approval')
    with op.batch_alter_table('application_condition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_condition_application_id'))

    op.drop_table('application_condition')
    with op.batch_alter_table('workflow_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workflow_version_code'))

    op.drop_table('workflow_version')
    op.drop_table('application_draft')
