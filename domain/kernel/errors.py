"""Errors the domain raises; each names what was wrong so the edge can show it."""


class DomainError(Exception):
    """Base for every refusal the domain makes."""


class ValidationError(DomainError):
    """Bad input: maps each offending field to a human reason. Nothing was changed."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class PermissionDenied(DomainError):
    """The actor's role or ownership does not allow this action."""


class NotFound(DomainError):
    """The entity does not exist (or is not visible to this actor)."""


class Conflict(DomainError):
    """The request clashes with the current state (duplicate, wrong status)."""
