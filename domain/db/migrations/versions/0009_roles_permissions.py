"""roles as data, organisations, maker-checker change requests

Seeds the built-in roles with exactly the permissions each role string had before
(BUILT_IN_ROLES below), then makes app_user.role reference role.code.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 11:30:00
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa
import sqlmodel

# The built-in roles as they stood when this migration was written (frozen here: a migration
# never imports live code, which later changes).
BUILT_IN_ROLES = (
    ('borrower', 'Borrower', 'Applies for and pays their own loans', 'borrower', (
        'self.apply', 'self.loans', 'self.pay',)),
    ('dealer', 'Dealer', 'Submits point-of-sale applications for customers', 'dealer', (
        'dealer.submit',)),
    ('field_agent', 'Field agent', 'Captures applications in the field', 'agent', (
        'agent.capture',)),
    ('underwriter', 'Underwriter', 'Reviews and decides applications', 'staff', (
        'application.decide', 'application.override', 'application.view', 'document.view',
        'loan.view', 'rules.view',)),
    ('servicer', 'Servicer', 'Services booked loans', 'staff', (
        'application.decide', 'application.fund', 'application.view', 'bank_files.manage',
        'document.view', 'ledger.view', 'loan.modify', 'loan.view', 'onboarding.board',
        'payment.post', 'payment.reverse',)),
    ('admin', 'Admin', 'Configures the lender; every staff permission', 'staff', (
        'application.decide', 'application.fund', 'application.override', 'application.view',
        'audit.view', 'bank_files.manage', 'branding.edit', 'cob.run', 'config.approve',
        'document.view', 'export.data', 'gl.manage', 'ledger.view', 'loan.modify', 'loan.view',
        'onboarding.board', 'partners.manage', 'payment.post', 'payment.reverse',
        'product.edit', 'roles.manage', 'rules.edit', 'rules.view', 'users.manage',
        'workflow.edit',)),
)

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    role = op.create_table('role',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('built_in', sa.Boolean(), nullable=False),
    sa.Column('portal', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    role_permission = op.create_table('role_permission',
    sa.Column('role_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('permission', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.ForeignKeyConstraint(['role_code'], ['role.code'], ),
    sa.PrimaryKeyConstraint('role_code', 'permission')
    )
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('approval_policy',
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('kind')
    )
    op.create_table('change_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['requested_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.create_index('ix_change_request_status', ['status'], unique=False)
    now = datetime.now(timezone.utc)
    op.bulk_insert(role, [{"code": code, "name": name, "description": description,
                           "built_in": True, "portal": portal, "revision": 1,
                           "created_at": now, "updated_at": now}
                          for code, name, description, portal, _ in BUILT_IN_ROLES])
    op.bulk_insert(role_permission, [{"role_code": code, "permission": p}
                                     for code, *_, permissions in BUILT_IN_ROLES
                                     for p in permissions])
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_app_user_organisation_id'), ['organisation_id'],
                              unique=False)
        batch_op.create_foreign_key('fk_app_user_organisation_id', 'organisation',
                                    ['organisation_id'], ['id'])
        batch_op.create_foreign_key('fk_app_user_role', 'role', ['role'], ['code'])


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_constraint('fk_app_user_role', type_='foreignkey')
        batch_op.drop_constraint('fk_app_user_organisation_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_app_user_organisation_id'))
        batch_op.drop_column('organisation_id')
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.drop_index('ix_change_request_status')
    op.drop_table('change_request')
    op.drop_table('approval_policy')
    op.drop_table('organisation')
    op.drop_table('role_permission')
    op.drop_table('role')
