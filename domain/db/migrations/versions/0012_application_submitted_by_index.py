"""index application.submitted_by (dealers' and agents' own-application lists)

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-02 11:20:00
"""
from alembic import op


revision = '0012'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_submitted_by'), ['submitted_by'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_submitted_by'))
