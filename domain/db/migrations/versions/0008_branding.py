"""portal branding versions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:40:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('branding_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('logo', sa.LargeBinary(), nullable=True),
    sa.Column('logo_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('logo_mime', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['published_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', 'version')
    )
    with op.batch_alter_table('branding_version', schema=None) as batch_op:
        batch_op.create_index('ix_branding_version_code_status', ['code', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_branding_version_logo_sha256'), ['logo_sha256'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('branding_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_branding_version_logo_sha256'))
        batch_op.drop_index('ix_branding_version_code_status')
    op.drop_table('branding_version')
