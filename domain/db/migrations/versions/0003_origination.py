"""origination

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 08:53:13.066222
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_partner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('key_prefix', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_prefix')
    )
    op.create_table('idempotency_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('request_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scope', 'key')
    )
    op.create_table('rule_set_version',
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
    with op.batch_alter_table('rule_set_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rule_set_version_code'), ['code'], unique=False)

    op.create_table('bureau_pull',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('pulled_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bureau_pull', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bureau_pull_application_id'), ['application_id'], unique=False)

    op.create_table(
        "document", sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("application.id"),
                  nullable=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("mime", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False))
    op.create_index("ix_document_application_id", "document", ["application_id"])
    op.create_table(
        "envelope", sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("application.id"),
                  nullable=False),
        sa.Column("envelope_id", sa.String(64), nullable=False, unique=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("agreement_document_id", sa.Integer(), sa.ForeignKey("document.id"),
                  nullable=False),
        sa.Column("signed_document_id", sa.Integer(), sa.ForeignKey("document.id"),
                  nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_envelope_application_id", "envelope", ["application_id"])
    op.add_column("application", sa.Column("stage", sa.String(30), nullable=False,
                                           server_default="decision"))
    for name, type_ in (("applicant", sa.JSON()), ("external_ref", sa.String(100)),
                        ("tier", sa.String(20))):
        op.add_column("application", sa.Column(name, type_, nullable=True))
    for name, target in (("submitted_by", "app_user"), ("partner_id", "api_partner")):
        if op.get_bind().dialect.name == "postgresql":
            op.add_column("application", sa.Column(name, sa.Integer(),
                                                   sa.ForeignKey(f"{target}.id"), nullable=True))
        else:  # SQLite: ADD COLUMN with REFERENCES, which Alembic does not emit
            op.execute(f"ALTER TABLE application ADD COLUMN {name} INTEGER "
                       f"REFERENCES {target} (id)")
    op.create_index("ix_application_stage", "application", ["stage"])


def downgrade() -> None:
    op.drop_index("ix_envelope_application_id", "envelope")
    op.drop_table("envelope")
    op.drop_index("ix_document_application_id", "document")
    op.drop_table("document")
    op.drop_index("ix_application_stage", "application")
    columns = ("tier", "external_ref", "partner_id", "submitted_by", "applicant", "stage")
    if op.get_bind().dialect.name == "postgresql":
        for col in columns:
            op.drop_column("application", col)
    else:  # SQLite cannot drop a column with a foreign key: rebuild the table
        with op.batch_alter_table("application", recreate="always") as batch_op:
            for col in columns:
                batch_op.drop_column(col)
    with op.batch_alter_table('bureau_pull', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bureau_pull_application_id'))

    op.drop_table('bureau_pull')
    with op.batch_alter_table('rule_set_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rule_set_version_code'))

    op.drop_table('rule_set_version')
    op.drop_table('idempotency_record')
    op.drop_table('api_partner')
