"""gl mapping and onboarding mapping: who published a version, as every other versioned
definition records (the tables now share one set of versioning columns, domain/db/columns.py)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 23:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


TABLES = ('gl_mapping_version', 'onboarding_mapping')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('published_by', sa.Integer(), nullable=True))
            batch.create_foreign_key(f'fk_{table}_published_by_app_user',
                                     'app_user', ['published_by'], ['id'])


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f'fk_{table}_published_by_app_user', type_='foreignkey')
            batch.drop_column('published_by')
