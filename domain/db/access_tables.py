"""Who may do what: roles as data (a role is a set of catalogue permissions), the organisations
dealers and field agents belong to, and maker-checker change requests for configuration."""
from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, Index
from sqlmodel import Field, SQLModel

from domain.db.columns import ts as _ts


class Role(SQLModel, table=True):
    """A role; `portal` is where its users land (borrower, dealer, agent, staff). Built-in
    roles (seeded by migration 0009) can be edited but not deleted. `revision` counts edits."""
    code: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=80)
    description: str = Field(default="", max_length=300)
    built_in: bool = False
    portal: str = Field(default="staff", max_length=12)
    revision: int = 1
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class RolePermission(SQLModel, table=True):
    __tablename__ = "role_permission"
    role_code: str = Field(foreign_key="role.code", primary_key=True, max_length=32)
    permission: str = Field(primary_key=True, max_length=40)


class Organisation(SQLModel, table=True):
    """A dealer (merchant) or a field agency; its users see its applications."""
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=120)
    kind: str = Field(max_length=12)  # dealer, agency
    active: bool = True
    created_at: datetime = _ts()


class ApprovalPolicy(SQLModel, table=True):
    """Per configuration kind: does publishing need a second admin's approval?"""
    __tablename__ = "approval_policy"
    kind: str = Field(primary_key=True, max_length=20)  # product, rule_set, workflow, ...
    required: bool = False
    updated_by: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = _ts()


class ChangeRequest(SQLModel, table=True):
    """A configuration change waiting for a second admin (maker-checker)."""
    __tablename__ = "change_request"
    __table_args__ = (Index("ix_change_request_status", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    code: str = Field(max_length=40)
    version: int | None = None
    payload: dict = Field(sa_column=Column(JSON, nullable=False))
    summary: str = Field(default="", max_length=300)
    reason: str = Field(default="", max_length=500)
    status: str = Field(default="pending", max_length=12)  # pending, approved, rejected
    requested_by: int | None = Field(default=None, foreign_key="app_user.id")
    requested_at: datetime = _ts()
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    decision_reason: str = Field(default="", max_length=500)
