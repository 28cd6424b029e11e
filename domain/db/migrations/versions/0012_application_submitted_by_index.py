"""index application.submitted_by (dealers' and agents' own-application lists); account
claim codes (an applicant's account opened for them is claimed with a one-time code)

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-02 11:20:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_submitted_by'), ['submitted_by'],
                              unique=False)
    op.create_table('account_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )
    with op.batch_alter_table('account_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_claim_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('account_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_claim_user_id'))
    op.drop_table('account_claim')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_submitted_by'))
