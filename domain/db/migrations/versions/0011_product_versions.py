"""product versions: draft / published / retired, with the product code (shared versioned helper)

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-02 11:30:00

Existing versions: the product's current version becomes published (published_at = its
creation time), every older one retired.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('product_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40),
                                      nullable=True))
        batch_op.add_column(sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12),
                                      nullable=True))
        batch_op.add_column(sa.Column('published_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True),
                                      nullable=True))
    op.execute("UPDATE product_version SET code = (SELECT p.code FROM product p "
               "WHERE p.id = product_version.product_id)")
    op.execute("UPDATE product_version SET status = CASE WHEN version = (SELECT "
               "p.current_version FROM product p WHERE p.id = product_version.product_id) "
               "THEN 'published' ELSE 'retired' END")
    op.execute("UPDATE product_version SET published_at = created_at "
               "WHERE status = 'published'")
    with op.batch_alter_table('product_version', schema=None) as batch_op:
        batch_op.alter_column('code', existing_type=sqlmodel.sql.sqltypes.AutoString(length=40),
                              nullable=False)
        batch_op.alter_column('status',
                              existing_type=sqlmodel.sql.sqltypes.AutoString(length=12),
                              nullable=False)
        batch_op.create_index(batch_op.f('ix_product_version_code'), ['code'], unique=False)
        batch_op.create_foreign_key('fk_product_version_published_by', 'app_user',
                                    ['published_by'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('product_version', schema=None) as batch_op:
        batch_op.drop_constraint('fk_product_version_published_by', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_product_version_code'))
        batch_op.drop_column('published_at')
        batch_op.drop_column('published_by')
        batch_op.drop_column('status')
        batch_op.drop_column('code')
